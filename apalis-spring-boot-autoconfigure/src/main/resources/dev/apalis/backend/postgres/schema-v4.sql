-- Apalis for Spring: PostgreSQL schema, version 4 (applied after version 3).
--
-- PostgresStorage applies this file on start-up unless initializeSchema(false) is set. Like the
-- earlier versions it is idempotent, runs in one transaction under the schema's advisory lock, and
-- never drops data. To apply it yourself (Flyway, Liquibase, psql), replace ${schema} with your schema
-- name (default apalis) or define a placeholder named "schema"; see docs/postgres.md.

-- Operators' search by unique key (the dashboard, TaskOperator.findByUniqueKey), whatever the task's
-- status: tasks_unique_key_idx covers only unfinished tasks. Partial, so tasks pushed without a unique
-- key cost nothing here. Built while writes to the table wait: on a table of many millions of keyed
-- tasks, create it beforehand with CREATE INDEX CONCURRENTLY (same name and definition).
CREATE INDEX IF NOT EXISTS tasks_unique_key_lookup_idx
    ON ${schema}.tasks (unique_key, queue)
    WHERE unique_key IS NOT NULL;

-- Operators' listings of waiting tasks by queue, newest first (keyset paging), as
-- tasks_finished_listing_idx serves finished ones: without it a listing of a queue with 100,000 waiting
-- tasks reads and sorts all of them. One entry per push (and per retry); claimed tasks leave it.
CREATE INDEX IF NOT EXISTS tasks_waiting_listing_idx
    ON ${schema}.tasks (queue, created_at DESC, id DESC)
    WHERE status IN ('PENDING', 'FAILED', 'SCHEDULED');

INSERT INTO ${schema}.schema_version (version, description)
VALUES (4, 'indexes for the look-up of tasks by unique key and the listing of waiting tasks')
ON CONFLICT (version) DO NOTHING;
