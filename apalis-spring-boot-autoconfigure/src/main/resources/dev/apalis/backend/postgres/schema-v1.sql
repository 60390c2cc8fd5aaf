-- Apalis for Spring: PostgreSQL schema, version 1.
--
-- PostgresStorage applies this file on start-up unless initializeSchema(false) is set. It is
-- idempotent and never drops anything. To apply it yourself (Flyway, Liquibase, psql), replace
-- ${schema} with your schema name (default apalis) or define a placeholder named "schema";
-- see docs/postgres.md.

CREATE SCHEMA IF NOT EXISTS ${schema};

CREATE TABLE IF NOT EXISTS ${schema}.schema_version (
    version     integer     PRIMARY KEY,
    description text        NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS ${schema}.tasks (
    id           uuid        PRIMARY KEY,
    queue        text        NOT NULL,
    payload      jsonb       NOT NULL,
    status       text        NOT NULL DEFAULT 'PENDING',
    attempts     integer     NOT NULL DEFAULT 0,
    max_attempts integer     NOT NULL DEFAULT 0,
    priority     integer     NOT NULL DEFAULT 0,
    run_at       timestamptz NOT NULL DEFAULT now(),
    lock_owner   text,
    locked_at    timestamptz,
    last_error   text,
    unique_key   text,
    metadata     jsonb       NOT NULL DEFAULT '{}'::jsonb,
    created_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz,
    CONSTRAINT tasks_status_check CHECK (status IN ('PENDING', 'RUNNING', 'DONE', 'FAILED', 'KILLED')),
    CONSTRAINT tasks_attempts_check CHECK (attempts >= 0 AND max_attempts >= 0)
);

-- Serves the claim exactly: WHERE queue = ? AND status IN ('PENDING', 'FAILED') AND run_at <= now()
-- ORDER BY priority, run_at, id. The id tie-break matters: a batch push gives many rows one run_at.
CREATE INDEX IF NOT EXISTS tasks_claim_idx
    ON ${schema}.tasks (queue, priority, run_at, id)
    WHERE status IN ('PENDING', 'FAILED');

-- At most one unfinished task per queue and unique key (pushes use ON CONFLICT ... DO NOTHING).
CREATE UNIQUE INDEX IF NOT EXISTS tasks_unique_key_idx
    ON ${schema}.tasks (queue, unique_key)
    WHERE unique_key IS NOT NULL AND status NOT IN ('DONE', 'KILLED');

-- Orphan rescue: running tasks by owner.
CREATE INDEX IF NOT EXISTS tasks_running_idx
    ON ${schema}.tasks (lock_owner, locked_at)
    WHERE status = 'RUNNING';

-- Retention: finished tasks by age.
CREATE INDEX IF NOT EXISTS tasks_finished_idx
    ON ${schema}.tasks (status, finished_at)
    WHERE status IN ('DONE', 'KILLED');

CREATE TABLE IF NOT EXISTS ${schema}.workers (
    id             text        PRIMARY KEY,
    name           text        NOT NULL,
    queue          text        NOT NULL,
    started_at     timestamptz NOT NULL DEFAULT now(),
    last_heartbeat timestamptz NOT NULL DEFAULT now()
);

INSERT INTO ${schema}.schema_version (version, description)
VALUES (1, 'tasks, workers and their indexes')
ON CONFLICT (version) DO NOTHING;
