package dev.apalis.backend.postgres;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.springframework.jdbc.core.ResultSetExtractor;

import dev.apalis.backend.ClaimRequest;
import dev.apalis.task.Task;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskStatus;

/**
 * Claims due tasks in one statement, and tells how long until the next waiting task is due.
 * <p>
 * The claim selects the first {@code max} due tasks of the queue in the order of
 * {@code tasks_claim_idx} (priority, run time, id), skipping rows other claims have locked, and marks
 * them {@code RUNNING} under the worker in the same statement; the CTE is the fence that makes
 * {@code LIMIT} and {@code SKIP LOCKED} apply before the update. The first {@code startingNow} rows
 * the index scan returns (the claim order, numbered without a sort), and any row rescued before
 * without a recorded start ({@code unstarted_rescues > 0}), are charged their attempt
 * ({@code started_at} set); the rest are charged when the worker reports their start or their outcome.
 * Which rows the claim charged is a hint for the worker only: a start report of a charged row and an
 * outcome of an uncharged one both charge exactly once. A row without its own maximum of attempts gets the worker's. {@code RETURNING} has no
 * order, so the batch is sorted here; its {@code attempts} is the attempt each task runs when started.
 * <p>
 * The update finds the locked rows by their {@code ctid} (a TID scan, one page per row), which is safe
 * within the one statement that holds their row locks. Joined by {@code id}, the planner chose a hash
 * join over a sequential scan of the whole table whenever the table was small enough to look cheap,
 * so every claim read every row, finished ones included: on a 20,000-task drain the {@code ctid} join
 * took the database's CPU for a claim and its completion from a median of 1.68 s to 0.90 s.
 */
final class TaskClaimer {

    static final String CLAIM = """
            WITH locked AS (
                SELECT ctid FROM {tasks}
                WHERE queue = ? AND status IN ('PENDING', 'FAILED') AND run_at <= now()
                  AND NOT EXISTS (SELECT 1 FROM {queues} q WHERE q.name = ? AND q.paused)
                ORDER BY priority, run_at, id
                LIMIT ?
                FOR UPDATE SKIP LOCKED
            ), next AS (
                SELECT ctid, row_number() OVER () <= ? AS starting FROM locked
            )
            UPDATE {tasks} t
            SET status = 'RUNNING',
                attempts = t.attempts + (next.starting OR t.unstarted_rescues > 0)::int,
                started_at = CASE WHEN next.starting OR t.unstarted_rescues > 0 THEN now() END,
                max_attempts = CASE WHEN t.max_attempts = 0 THEN ? ELSE t.max_attempts END,
                lock_owner = ?, locked_at = now()
            FROM next
            WHERE t.ctid = next.ctid
            RETURNING t.id, t.payload::text, t.attempts + (t.started_at IS NULL)::int, t.max_attempts, t.priority,
                      t.run_at, t.last_error, t.unique_key, t.metadata::text, t.created_at""";

    /** Charges the attempts of claimed-ahead tasks whose handlers started (once: a charged row is left alone). */
    static final String STARTED = """
            UPDATE {tasks}
            SET attempts = attempts + 1, started_at = now()
            WHERE id = ANY (?::uuid[]) AND status = 'RUNNING' AND lock_owner = ? AND started_at IS NULL""";

    /**
     * The earliest future run time among the queue's waiting tasks: claimable ones (one probe of the
     * claim index per priority) and scheduled ones (one probe of the scheduled index). A scheduled
     * task past its run time that no promoter moved yet is left out, so that workers do not spin on a
     * task they cannot claim. Takes the queue four times as parameters.
     */
    static final String NEXT_RUN_AT = """
            SELECT least((%s),
                         (SELECT s.run_at FROM {tasks} s
                          WHERE s.queue = ? AND s.status = 'SCHEDULED' AND s.run_at > now()
                          ORDER BY s.run_at LIMIT 1))""".formatted(earliestRunAtPerPriority("t.run_at > now()"));

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

    /** How long until the earliest future run time, in microseconds, computed on the database's clock. */
    static final String NEXT_RUN_IN = """
            SELECT (extract(epoch FROM next.run_at - now()) * 1000000)::bigint
            FROM (%s) AS next(run_at)""".formatted(NEXT_RUN_AT);

    private final StorageJdbc db;

    private final String claimSql;

    private final String startedSql;

    private final String nextRunInSql;

    TaskClaimer(StorageJdbc db) {
        this.db = db;
        this.claimSql = db.names().expand(CLAIM);
        this.startedSql = db.names().expand(STARTED);
        this.nextRunInSql = db.names().expand(NEXT_RUN_IN);
    }

    List<Task> claim(ClaimRequest request) {
        int max = request.max();
        if (max <= 0) {
            return List.of();
        }
        String queue = request.queue();
        List<Task> tasks = db.jdbc().query(connection -> {
            PreparedStatement ps = connection.prepareStatement(claimSql);
            ps.setString(1, queue);
            ps.setString(2, queue);
            ps.setInt(3, max);
            ps.setInt(4, request.startingNow());
            ps.setInt(5, request.maxAttempts());
            ps.setString(6, request.workerId());
            return ps;
        }, (ResultSetExtractor<List<Task>>) rs -> read(rs, queue, max));
        if (tasks != null && tasks.size() > 1) {
            tasks.sort(TaskRows.CLAIM_ORDER);
        }
        return (tasks != null) ? tasks : List.of();
    }

    void started(String workerId, Collection<TaskId> ids) {
        if (ids.isEmpty()) {
            return;
        }
        db.jdbc().update(connection -> {
            PreparedStatement ps = connection.prepareStatement(startedSql);
            ps.setArray(1, SqlArrays.ids(connection, ids));
            ps.setString(2, workerId);
            return ps;
        });
    }

    Optional<Duration> nextRunIn(String queue) {
        Long micros = db.jdbc().query(nextRunInSql, rs -> {
            if (!rs.next()) {
                return null;
            }
            long value = rs.getLong(1);
            return rs.wasNull() ? null : value;
        }, queue, queue, queue, queue);
        return (micros != null) ? Optional.of(Duration.ofNanos(Math.max(0, micros) * 1000)) : Optional.empty();
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
