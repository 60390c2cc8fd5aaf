package dev.apalis.backend.postgres;

import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.UUID;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import dev.apalis.backend.Completion;
import dev.apalis.task.TaskId;

/**
 * Records outcomes and releases claims, a whole batch per statement. Every statement is guarded by
 * {@code status = 'RUNNING' AND lock_owner = worker}: a worker that lost its claim (its tasks were
 * rescued after its heart-beat went stale) cannot overwrite what happened to them since.
 * <p>
 * Attempts: an outcome of a task whose start was not recorded ({@code started_at} is null: claimed
 * ahead, started and finished within one write round) charges the attempt; an interruption by a
 * graceful stop and a release refund a charged attempt. A failed attempt (retry or kill) appends
 * {@code {attempt, at, error}} to {@code attempt_errors}, keeping the last {@value #ATTEMPT_ERRORS_KEPT};
 * success clears the last error and keeps that history. Retry times are the database's {@code now()}
 * plus the delay, so the worker's clock never meets a stored time. With a done retention of zero, a
 * success deletes the row instead: no new row version and no index entries, about half of what a task
 * costs the database in a drain.
 */
final class CompletionWriter {

    private static final Log logger = LogFactory.getLog(CompletionWriter.class);

    /** How many failed attempts' errors a task keeps. */
    static final int ATTEMPT_ERRORS_KEPT = 10;

    /** How much of an error's text the attempt history keeps. */
    static final int ATTEMPT_ERROR_LENGTH = 4000;

    /** The common case, every attempt succeeded: ids only. */
    private static final String DONE = """
            UPDATE {tasks}
            SET status = 'DONE', attempts = attempts + (started_at IS NULL)::int, started_at = NULL,
                last_error = NULL, finished_at = now(), lock_owner = NULL, locked_at = NULL
            WHERE id = ANY (?::uuid[]) AND status = 'RUNNING' AND lock_owner = ?""";

    /** The common case when done tasks are not kept: ids only, and the row goes. */
    private static final String DELETE_DONE = """
            DELETE FROM {tasks}
            WHERE id = ANY (?::uuid[]) AND status = 'RUNNING' AND lock_owner = ?""";

    /**
     * Any mix of done, retry (FAILED with its next run time and error, SCHEDULED when that is beyond the
     * promotion window), kill (KILLED with its error) and
     * interrupted (PENDING again, attempt refunded). The attempt history drops its oldest entry when full.
     */
    private static final String COMPLETE = """
            UPDATE {tasks} t
            SET status = CASE WHEN c.status = 'FAILED' THEN %s ELSE c.status END,
                attempts = CASE WHEN c.status = 'PENDING' THEN t.attempts - (t.started_at IS NOT NULL)::int
                                ELSE t.attempts + (t.started_at IS NULL)::int END,
                run_at = CASE WHEN c.status = 'FAILED' THEN now() + c.delay_micros::bigint * interval '1 microsecond'
                              WHEN c.status = 'PENDING' THEN now()
                              ELSE t.run_at END,
                last_error = CASE WHEN c.status = 'DONE' THEN NULL ELSE c.error END,
                attempt_errors = CASE WHEN c.status IN ('FAILED', 'KILLED') THEN
                        (CASE WHEN jsonb_array_length(t.attempt_errors) >= %d THEN t.attempt_errors - 0
                              ELSE t.attempt_errors END)
                        || jsonb_build_array(jsonb_build_object(
                               'attempt', t.attempts + (t.started_at IS NULL)::int,
                               'at', now(),
                               'error', left(c.error, %d)))
                    ELSE t.attempt_errors END,
                finished_at = CASE WHEN c.status IN ('DONE', 'KILLED') THEN now() ELSE NULL END,
                started_at = NULL,
                lock_owner = NULL,
                locked_at = NULL
            FROM unnest(?::uuid[], ?::text[], ?::text[], ?::text[]) AS c(id, status, delay_micros, error)
            WHERE t.id = c.id AND t.status = 'RUNNING' AND t.lock_owner = ?""".formatted(
            StoredStatus.waiting("now() + c.delay_micros::bigint * interval '1 microsecond'", "'FAILED'"),
            ATTEMPT_ERRORS_KEPT, ATTEMPT_ERROR_LENGTH);

    /** Back to the queue as if never claimed: a charged attempt is refunded. */
    private static final String RELEASE = """
            UPDATE {tasks}
            SET status = 'PENDING', attempts = greatest(attempts - (started_at IS NOT NULL)::int, 0), started_at = NULL,
                lock_owner = NULL, locked_at = NULL
            WHERE id = ANY (?::uuid[]) AND status = 'RUNNING' AND lock_owner = ?
            RETURNING queue""";

    private static final String RELEASE_AND_NOTIFY = """
            WITH released AS (%s)
            SELECT count(pg_notify(?, queue)) FROM (SELECT DISTINCT queue FROM released) queues""";

    private final StorageJdbc db;

    private final String doneSql;

    private final String completeSql;

    private final String releaseSql;

    private final String channel;

    /** Whether done tasks are deleted by their outcome's write (a done retention of zero). */
    private final boolean deleteDone;

    CompletionWriter(StorageJdbc db, boolean notify, boolean deleteDone) {
        this.db = db;
        this.deleteDone = deleteDone;
        this.doneSql = db.names().expand(deleteDone ? DELETE_DONE : DONE);
        this.completeSql = db.names().expand(COMPLETE);
        this.releaseSql = db.names().expand(notify ? RELEASE_AND_NOTIFY.formatted(RELEASE) : RELEASE);
        this.channel = notify ? db.names().channel() : null;
    }

    void complete(String workerId, Collection<Completion> completions) {
        if (completions.isEmpty()) {
            return;
        }
        List<TaskId> done = new ArrayList<>(completions.size());
        List<Completion> others = new ArrayList<>();
        for (Completion completion : completions) {
            if (completion instanceof Completion.Done) {
                done.add(completion.taskId());
            }
            else {
                others.add(completion);
            }
        }
        int written;
        if (others.isEmpty()) {
            written = writeDone(workerId, done);
        }
        else if (deleteDone) {
            // Two statements: each is guarded, so a batch written again after a failure between them is harmless.
            written = writeDone(workerId, done) + writeMixed(workerId, others);
        }
        else {
            written = writeMixed(workerId, completions);
        }
        int n = completions.size();
        if (written < n && logger.isWarnEnabled()) {
            logger.warn((n - written) + " of " + n + " outcomes reported by worker '" + workerId + "' were ignored: "
                    + "those tasks were no longer running under it (put back in the queue after its heart-beat went "
                    + "stale, or reported twice). Another attempt may have run them.");
        }
    }

    private int writeDone(String workerId, List<TaskId> ids) {
        if (ids.isEmpty()) {
            return 0;
        }
        return db.jdbc().update(connection -> {
            PreparedStatement ps = connection.prepareStatement(doneSql);
            ps.setArray(1, SqlArrays.ids(connection, ids));
            ps.setString(2, workerId);
            return ps;
        });
    }

    private int writeMixed(String workerId, Collection<Completion> completions) {
        int n = completions.size();
        UUID[] ids = new UUID[n];
        String[] statuses = new String[n];
        String[] delays = new String[n];
        String[] errors = new String[n];
        int i = 0;
        for (Completion completion : completions) {
            ids[i] = completion.taskId().value();
            if (completion instanceof Completion.Retry retry) {
                statuses[i] = "FAILED";
                delays[i] = Long.toString(micros(retry.delay()));
                errors[i] = text(retry.error());
            }
            else if (completion instanceof Completion.Kill kill) {
                statuses[i] = "KILLED";
                errors[i] = text(kill.error());
            }
            else if (completion instanceof Completion.Interrupted interrupted) {
                statuses[i] = "PENDING";
                errors[i] = text(interrupted.reason());
            }
            else {
                statuses[i] = "DONE";
            }
            i++;
        }
        return db.jdbc().update(connection -> {
            PreparedStatement ps = connection.prepareStatement(completeSql);
            ps.setArray(1, SqlArrays.uuids(connection, ids));
            ps.setArray(2, SqlArrays.texts(connection, statuses));
            ps.setArray(3, SqlArrays.texts(connection, delays));
            ps.setArray(4, SqlArrays.texts(connection, errors));
            ps.setString(5, workerId);
            return ps;
        });
    }

    void release(String workerId, Collection<TaskId> ids) {
        if (ids.isEmpty()) {
            return;
        }
        db.jdbc().query(connection -> {
            PreparedStatement ps = connection.prepareStatement(releaseSql);
            ps.setArray(1, SqlArrays.ids(connection, ids));
            ps.setString(2, workerId);
            if (channel != null) {
                ps.setString(3, channel);
            }
            return ps;
        }, rs -> {
        });
    }

    private static long micros(java.time.Duration delay) {
        try {
            return delay.toNanos() / 1000;
        }
        catch (ArithmeticException ex) {
            return Long.MAX_VALUE / 1000;
        }
    }

    /** Error text as PostgreSQL can store it (text cannot hold NUL characters). */
    private static String text(String error) {
        return (error != null && error.indexOf('\0') >= 0) ? error.replace('\0', '?') : error;
    }
}
