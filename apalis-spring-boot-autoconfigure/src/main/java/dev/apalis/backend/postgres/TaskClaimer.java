package dev.apalis.backend.postgres;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.springframework.jdbc.core.ResultSetExtractor;

import dev.apalis.task.Task;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskStatus;

/**
 * Claims due tasks in one statement, and tells when the next waiting task is due.
 * <p>
 * The claim selects the first {@code max} due tasks of the queue in the order of
 * {@code tasks_claim_idx} (priority, run time, id), skipping rows other claims have locked, and marks
 * them {@code RUNNING} under the worker in the same statement; the CTE is the fence that makes
 * {@code LIMIT} and {@code SKIP LOCKED} apply before the update. {@code RETURNING} has no order, so
 * the batch is sorted here.
 */
final class TaskClaimer {

    static final String CLAIM = """
            WITH next AS (
                SELECT id FROM {tasks}
                WHERE queue = ? AND status IN ('PENDING', 'FAILED') AND run_at <= now()
                  AND NOT EXISTS (SELECT 1 FROM {queues} q WHERE q.name = ? AND q.paused)
                ORDER BY priority, run_at, id
                LIMIT ?
                FOR UPDATE SKIP LOCKED
            )
            UPDATE {tasks} t
            SET status = 'RUNNING', attempts = t.attempts + 1, lock_owner = ?, locked_at = now()
            FROM next
            WHERE t.id = next.id
            RETURNING t.id, t.payload::text, t.attempts, t.max_attempts, t.priority, t.run_at, t.last_error,
                      t.unique_key, t.metadata::text, t.created_at""";

    /** The earliest future run time among the queue's waiting tasks. */
    static final String NEXT_RUN_AT = earliestRunAtPerPriority("t.run_at > now()");

    /**
     * The earliest run time among a queue's waiting tasks that meet a run-time condition, by a skip
     * scan over the claim index (queue, priority, run_at, id): one index probe per distinct priority
     * of the queue's waiting tasks, instead of reading every waiting task. The condition is a constant
     * of this package, never input. Takes the queue three times as parameters.
     */
    static String earliestRunAtPerPriority(String runAtCondition) {
        return """
                WITH RECURSIVE priorities AS (
                    (SELECT priority FROM {tasks}
                     WHERE queue = ? AND status IN ('PENDING', 'FAILED')
                     ORDER BY priority LIMIT 1)
                    UNION ALL
                    SELECT (SELECT t.priority FROM {tasks} t
                            WHERE t.queue = ? AND t.status IN ('PENDING', 'FAILED') AND t.priority > p.priority
                            ORDER BY t.priority LIMIT 1)
                    FROM priorities p
                    WHERE p.priority IS NOT NULL
                )
                SELECT min((SELECT t.run_at FROM {tasks} t
                            WHERE t.queue = ? AND t.status IN ('PENDING', 'FAILED') AND t.priority = p.priority
                              AND %s
                            ORDER BY t.run_at LIMIT 1))
                FROM priorities p
                WHERE p.priority IS NOT NULL""".formatted(runAtCondition);
    }

    private final StorageJdbc db;

    private final String claimSql;

    private final String nextRunAtSql;

    TaskClaimer(StorageJdbc db) {
        this.db = db;
        this.claimSql = db.names().expand(CLAIM);
        this.nextRunAtSql = db.names().expand(NEXT_RUN_AT);
    }

    List<Task> claim(String queue, String workerId, int max) {
        if (max <= 0) {
            return List.of();
        }
        List<Task> tasks = db.jdbc().query(connection -> {
            PreparedStatement ps = connection.prepareStatement(claimSql);
            ps.setString(1, queue);
            ps.setString(2, queue);
            ps.setInt(3, max);
            ps.setString(4, workerId);
            return ps;
        }, (ResultSetExtractor<List<Task>>) rs -> read(rs, queue, max));
        if (tasks != null && tasks.size() > 1) {
            tasks.sort(TaskRows.CLAIM_ORDER);
        }
        return (tasks != null) ? tasks : List.of();
    }

    Optional<Instant> nextRunAt(String queue) {
        Instant next = db.jdbc().query(nextRunAtSql, rs -> rs.next() ? TaskRows.instant(rs, 1) : null, queue, queue,
                queue);
        return Optional.ofNullable(next);
    }

    private static List<Task> read(ResultSet rs, String queue, int max) throws SQLException {
        List<Task> tasks = new ArrayList<>(Math.min(max, 256));
        while (rs.next()) {
            tasks.add(new Task(new TaskId(rs.getObject(1, UUID.class)), queue, rs.getString(2), TaskStatus.RUNNING,
                    rs.getInt(3), rs.getInt(4), rs.getInt(5), TaskRows.instant(rs, 6), rs.getString(7), rs.getString(8),
                    TaskRows.metadata(rs.getString(9)), TaskRows.instant(rs, 10), null));
        }
        return tasks;
    }
}
