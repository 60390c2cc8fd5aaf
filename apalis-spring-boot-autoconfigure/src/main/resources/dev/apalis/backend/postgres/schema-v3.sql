-- Apalis for Spring: PostgreSQL schema, version 3 (applied after version 2).
--
-- PostgresStorage applies this file on start-up unless initializeSchema(false) is set. Like the
-- earlier versions it is idempotent, runs in one transaction under the schema's advisory lock, and
-- never drops data. To apply it yourself (Flyway, Liquibase, psql), replace ${schema} with your schema
-- name (default apalis) or define a placeholder named "schema"; see docs/postgres.md.

-- Recurring tasks. A node fires a due schedule by locking its row (FOR UPDATE SKIP LOCKED), pushing
-- the tasks of its slots and moving next_run_at past them in one transaction: each slot once.
CREATE TABLE IF NOT EXISTS ${schema}.schedules (
    name           text        PRIMARY KEY,
    cron           text        NOT NULL,
    zone           text        NOT NULL,
    queue          text        NOT NULL,
    payload        jsonb       NOT NULL DEFAULT '{}'::jsonb,
    enabled        boolean     NOT NULL DEFAULT true,
    paused         boolean     NOT NULL DEFAULT false,
    catch_up       text        NOT NULL DEFAULT 'LAST',
    catch_up_limit integer     NOT NULL DEFAULT 100,
    overlap        text        NOT NULL DEFAULT 'SKIP',
    -- who declared it (an application name); NULL for schedules created at run time
    declared_by    text,
    -- the next slot to fire; NULL while disabled or paused
    next_run_at    timestamptz,
    last_slot_at   timestamptz,
    last_task_id   uuid,
    last_fired_at  timestamptz,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT schedules_catch_up_check CHECK (catch_up IN ('NONE', 'LAST', 'ALL')),
    CONSTRAINT schedules_overlap_check CHECK (overlap IN ('ALLOW', 'SKIP')),
    CONSTRAINT schedules_catch_up_limit_check CHECK (catch_up_limit BETWEEN 1 AND 10000)
);

-- The rounds' look-up: active schedules by next slot (the earliest one decides how long nodes sleep).
CREATE INDEX IF NOT EXISTS schedules_due_idx
    ON ${schema}.schedules (next_run_at)
    WHERE enabled AND NOT paused;

INSERT INTO ${schema}.schema_version (version, description)
VALUES (3, 'recurring task schedules')
ON CONFLICT (version) DO NOTHING;
