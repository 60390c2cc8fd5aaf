package dev.apalis.backend.postgres;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.springframework.dao.DuplicateKeyException;

import dev.apalis.backend.QueueCount;
import dev.apalis.task.Task;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskStatus;

/**
 * The operators' look-ups and corrections: counts, one task, retrying a killed task and cancelling a
 * waiting one. Each is one statement, guarded by the status it expects, so it never changes a task
 * that moved on meanwhile.
 */
final class TaskInspections {

    /** The reason stored with a task an operator cancelled. */
    static final String CANCELLED = "Cancelled by an operator";

    private static final String FIND = "SELECT " + TaskRows.COLUMNS + " FROM {tasks} WHERE id = ?";

    /** The earliest run time among the queue's due waiting tasks (the age of the oldest due task). */
    static final String OLDEST_DUE = TaskClaimer.earliestRunAtPerPriority("t.run_at <= now()");

    /** The exact count: reads every row. */
    private static final String COUNT = """
            SELECT queue, %1$s AS public_status, count(*) FROM {tasks}
            GROUP BY queue, %1$s
            ORDER BY queue, public_status""".formatted(StoredStatus.publicStatusSql(""));

    private static final String TABLE_EXISTS = "SELECT to_regclass(?) IS NOT NULL";

    /** Refuses (updates nothing) while an unfinished task of the queue holds the same unique key. */
    private static final String RETRY = """
            UPDATE {tasks} t
            SET status = 'PENDING', attempts = 0, run_at = now(), finished_at = NULL, lock_owner = NULL, locked_at = NULL
            WHERE t.id = ? AND t.status = 'KILLED'
              AND (t.unique_key IS NULL OR NOT EXISTS (
                  SELECT 1 FROM {tasks} o
                  WHERE o.queue = t.queue AND o.unique_key = t.unique_key AND o.status NOT IN ('DONE', 'KILLED')))
            RETURNING queue""";

    private static final String RETRY_AND_NOTIFY = """
            WITH retried AS (%s)
            SELECT count(pg_notify(?, queue)) FROM retried""";

    private static final String CANCEL = """
            UPDATE {tasks}
            SET status = 'KILLED', last_error = ?, finished_at = now()
            WHERE id = ? AND status IN ('PENDING', 'SCHEDULED', 'FAILED')""";

    private final StorageJdbc db;

    private final String findSql;

    private final String countSql;

    private final QueueCounter counter;

    private final String retrySql;

    private final String cancelSql;

    private final String oldestDueSql;

    private final String channel;

    TaskInspections(StorageJdbc db, boolean notify) {
        this.db = db;
        this.findSql = db.names().expand(FIND);
        this.countSql = db.names().expand(COUNT);
        this.counter = new QueueCounter(db);
        String retry = db.names().expand(RETRY);
        this.retrySql = notify ? RETRY_AND_NOTIFY.formatted(retry) : retry;
        this.cancelSql = db.names().expand(CANCEL);
        this.oldestDueSql = db.names().expand(OLDEST_DUE);
        this.channel = notify ? db.names().channel() : null;
    }

    Optional<Task> find(TaskId id) {
        List<Task> found = db.jdbc().query(findSql, (rs, row) -> TaskRows.task(rs), id.value());
        return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
    }

    List<QueueCount> countByQueueAndStatus() {
        return db.jdbc().query(countSql,
                (rs, row) -> new QueueCount(rs.getString(1), TaskStatus.valueOf(rs.getString(2)), rs.getLong(3)));
    }

    List<QueueCount> estimateByQueueAndStatus() {
        return counter.count();
    }

    Optional<Instant> oldestDueAt(String queue) {
        Instant oldest = db.jdbc().query(oldestDueSql, rs -> rs.next() ? TaskRows.instant(rs, 1) : null, queue, queue,
                queue);
        return Optional.ofNullable(oldest);
    }

    void ping() {
        Boolean exists = db.jdbc().queryForObject(TABLE_EXISTS, Boolean.class, db.names().tasks());
        if (!Boolean.TRUE.equals(exists)) {
            throw new IllegalStateException("The Apalis tasks table " + db.names().tasks() + " does not exist; "
                    + "apply the schema (see docs/postgres.md) or set apalis.jdbc.initialize-schema=always");
        }
    }

    boolean retry(TaskId id) {
        try {
            if (channel != null) {
                Long notified = db.jdbc().queryForObject(retrySql, Long.class, id.value(), channel);
                return notified != null && notified > 0;
            }
            List<String> queues = db.jdbc().queryForList(retrySql, String.class, id.value());
            return !queues.isEmpty();
        }
        catch (DuplicateKeyException ex) {
            // an unfinished task with the same unique key was pushed at the same moment
            return false;
        }
    }

    boolean cancel(TaskId id) {
        return db.jdbc().update(cancelSql, CANCELLED, id.value()) > 0;
    }
}
