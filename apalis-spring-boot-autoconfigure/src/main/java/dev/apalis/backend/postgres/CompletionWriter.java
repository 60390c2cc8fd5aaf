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
 */
final class CompletionWriter {

    private static final Log logger = LogFactory.getLog(CompletionWriter.class);

    /** The common case, every attempt succeeded: ids only. */
    private static final String DONE = """
            UPDATE {tasks}
            SET status = 'DONE', finished_at = now(), lock_owner = NULL, locked_at = NULL
            WHERE id = ANY (?::uuid[]) AND status = 'RUNNING' AND lock_owner = ?""";

    /**
     * Any mix of done, retry (FAILED with its next run time and error, SCHEDULED when that is beyond the
     * promotion window) and kill (KILLED with its error).
     */
    private static final String COMPLETE = """
            UPDATE {tasks} t
            SET status = CASE WHEN c.status = 'FAILED' THEN %s ELSE c.status END,
                run_at = coalesce(c.run_at, t.run_at),
                last_error = CASE WHEN c.status = 'DONE' THEN t.last_error ELSE c.error END,
                finished_at = CASE WHEN c.status = 'FAILED' THEN NULL ELSE now() END,
                lock_owner = NULL,
                locked_at = NULL
            FROM unnest(?::uuid[], ?::text[], ?::text[]::timestamptz[], ?::text[]) AS c(id, status, run_at, error)
            WHERE t.id = c.id AND t.status = 'RUNNING' AND t.lock_owner = ?""".formatted(
            StoredStatus.waiting("coalesce(c.run_at, t.run_at)", "'FAILED'"));

    /** Back to the queue as if never claimed: the attempt the claim counted is taken back. */
    private static final String RELEASE = """
            UPDATE {tasks}
            SET status = 'PENDING', attempts = greatest(attempts - 1, 0), lock_owner = NULL, locked_at = NULL
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

    CompletionWriter(StorageJdbc db, boolean notify) {
        this.db = db;
        this.doneSql = db.names().expand(DONE);
        this.completeSql = db.names().expand(COMPLETE);
        this.releaseSql = db.names().expand(notify ? RELEASE_AND_NOTIFY.formatted(RELEASE) : RELEASE);
        this.channel = notify ? db.names().channel() : null;
    }

    void complete(String workerId, Collection<Completion> completions) {
        if (completions.isEmpty()) {
            return;
        }
        int n = completions.size();
        boolean allDone = true;
        for (Completion completion : completions) {
            if (!(completion instanceof Completion.Done)) {
                allDone = false;
                break;
            }
        }
        int updated;
        if (allDone) {
            updated = db.jdbc().update(connection -> {
                PreparedStatement ps = connection.prepareStatement(doneSql);
                ps.setArray(1, SqlArrays.ids(connection, ids(completions)));
                ps.setString(2, workerId);
                return ps;
            });
        }
        else {
            UUID[] ids = new UUID[n];
            String[] statuses = new String[n];
            String[] runAts = new String[n];
            String[] errors = new String[n];
            int i = 0;
            for (Completion completion : completions) {
                ids[i] = completion.taskId().value();
                if (completion instanceof Completion.Retry retry) {
                    statuses[i] = "FAILED";
                    runAts[i] = TaskRows.timestamp(retry.runAt());
                    errors[i] = text(retry.error());
                }
                else if (completion instanceof Completion.Kill kill) {
                    statuses[i] = "KILLED";
                    errors[i] = text(kill.error());
                }
                else {
                    statuses[i] = "DONE";
                }
                i++;
            }
            updated = db.jdbc().update(connection -> {
                PreparedStatement ps = connection.prepareStatement(completeSql);
                ps.setArray(1, SqlArrays.uuids(connection, ids));
                ps.setArray(2, SqlArrays.texts(connection, statuses));
                ps.setArray(3, SqlArrays.texts(connection, runAts));
                ps.setArray(4, SqlArrays.texts(connection, errors));
                ps.setString(5, workerId);
                return ps;
            });
        }
        if (updated < n && logger.isWarnEnabled()) {
            logger.warn((n - updated) + " of " + n + " outcomes reported by worker '" + workerId + "' were ignored: "
                    + "those tasks were no longer running under it (put back in the queue after its heart-beat went "
                    + "stale, or reported twice). Another attempt may have run them.");
        }
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

    private static List<TaskId> ids(Collection<Completion> completions) {
        List<TaskId> ids = new ArrayList<>(completions.size());
        for (Completion completion : completions) {
            ids.add(completion.taskId());
        }
        return ids;
    }

    /** Error text as PostgreSQL can store it (text cannot hold NUL characters). */
    private static String text(String error) {
        return (error != null && error.indexOf('\0') >= 0) ? error.replace('\0', '?') : error;
    }
}
