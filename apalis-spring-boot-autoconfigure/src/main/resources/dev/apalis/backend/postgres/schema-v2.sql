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

-- The promoter's look-up and a worker's next run time: scheduled tasks by queue and run time. The
-- promoter skips from queue to queue (one probe each), so an idle check costs O(queues).
CREATE INDEX IF NOT EXISTS tasks_scheduled_idx
    ON ${schema}.tasks (queue, run_at)
    WHERE status = 'SCHEDULED';

-- Waiting tasks due more than the promotion window (5 s) from now leave the claim index: a claim then
-- reads only what is due or nearly due, however many future tasks wait. Idempotent.
UPDATE ${schema}.tasks
SET status = 'SCHEDULED'
WHERE status IN ('PENDING', 'FAILED') AND run_at > now() + interval '5 seconds';

-- Lets the planner estimate the rows of one queue in one status (queue-depth gauges beyond their
-- exact-count cap read these estimates; ANALYZE keeps them current).
CREATE STATISTICS IF NOT EXISTS ${schema}.tasks_queue_status_stats (mcv)
    ON queue, status FROM ${schema}.tasks;

-- Operators' listings of finished tasks by queue and status, newest first (keyset paging): finished
-- rows are written once, so the index costs one entry per task. Listings of waiting or running tasks
-- read the claim and running indexes' rows of the queue and sort them.
CREATE INDEX IF NOT EXISTS tasks_finished_listing_idx
    ON ${schema}.tasks (queue, status, created_at DESC, id DESC)
    WHERE status IN ('DONE', 'KILLED');

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
