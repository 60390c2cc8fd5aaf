-- Apalis for Spring: PostgreSQL schema, version 2 (applied after version 1).
--
-- PostgresStorage applies this file on start-up unless initializeSchema(false) is set. Like version 1
-- it is idempotent, runs in one transaction under the schema's advisory lock, and never drops data.
-- To apply it yourself (Flyway, Liquibase, psql), replace ${schema} with your schema name (default
-- apalis) or define a placeholder named "schema"; see docs/postgres.md.

-- A task can wait in SCHEDULED: run time beyond the promotion window, outside the claim index.
ALTER TABLE ${schema}.tasks DROP CONSTRAINT IF EXISTS tasks_status_check;
ALTER TABLE ${schema}.tasks ADD CONSTRAINT tasks_status_check
    CHECK (status IN ('PENDING', 'SCHEDULED', 'RUNNING', 'DONE', 'FAILED', 'KILLED'));

-- When the handler started the current attempt (the attempt is charged then); NULL while a task
-- waits, or is claimed but not started.
ALTER TABLE ${schema}.tasks ADD COLUMN IF NOT EXISTS started_at timestamptz;

-- How often the task was rescued from a dead worker that had not recorded its start.
ALTER TABLE ${schema}.tasks ADD COLUMN IF NOT EXISTS unstarted_rescues integer NOT NULL DEFAULT 0;

-- The errors of failed attempts, newest last, bounded: [{"attempt": 1, "at": "...", "error": "..."}].
ALTER TABLE ${schema}.tasks ADD COLUMN IF NOT EXISTS attempt_errors jsonb NOT NULL DEFAULT '[]'::jsonb;

-- The promoter's look-up: scheduled tasks by run time.
CREATE INDEX IF NOT EXISTS tasks_scheduled_idx
    ON ${schema}.tasks (run_at)
    WHERE status = 'SCHEDULED';

-- What a worker held at its last heart-beat: claimed tasks it knows of (lost claim replies are not).
ALTER TABLE ${schema}.workers ADD COLUMN IF NOT EXISTS held uuid[] NOT NULL DEFAULT '{}';

-- Queues paused across the cluster: claims skip a paused queue.
CREATE TABLE IF NOT EXISTS ${schema}.queues (
    name       text        PRIMARY KEY,
    paused     boolean     NOT NULL DEFAULT false,
    changed_at timestamptz NOT NULL DEFAULT now(),
    changed_by text
);

INSERT INTO ${schema}.schema_version (version, description)
VALUES (2, 'scheduled state, start marks, attempt errors, held tasks, cluster-wide queue pause')
ON CONFLICT (version) DO NOTHING;
