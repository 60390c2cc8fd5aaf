package dev.apalis.backend.postgres;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.jdbc.core.ResultSetExtractor;

import dev.apalis.backend.QueueCount;
import dev.apalis.task.TaskStatus;

/**
 * Counts tasks by queue and status at a cost bounded by the number of queues, not of rows.
 * <ul>
 * <li>Queues are found by skip scans of the claim and scheduled indexes (one probe per queue), the
 * running tasks, and the registered workers.</li>
 * <li>Waiting tasks (pending, failed, scheduled) are counted exactly per queue from the partial
 * indexes, up to {@value #WAITING_CAP} rows per queue in the claim index and as many in the scheduled
 * index; running tasks (bounded by the workers' slots) exactly.</li>
 * <li>Finished tasks (done, killed) are counted exactly while the whole table holds at most
 * {@value #FINISHED_CAP} of them.</li>
 * <li>Beyond a cap a count is PostgreSQL's planner estimate for that queue and status (from the
 * extended statistics {@code tasks_queue_status_stats}, as fresh as the last {@code ANALYZE}, scaled
 * to the table's current size), and never less than the cap.</li>
 * </ul>
 * So a count reads at most {@value #WAITING_CAP} index entries (and their rows) per queue and index,
 * plus the running tasks and twice {@value #FINISHED_CAP} index entries of finished ones, whatever the
 * table holds. Every sample is ordered as its index is, so that the planner reads the index and stops
 * at the cap rather than scanning the table for matching rows.
 */
final class QueueCounter {

    /** Waiting tasks counted exactly per queue, in each of the claim and scheduled indexes. */
    static final int WAITING_CAP = 1_000;

    /** Finished tasks counted exactly in the whole table. */
    static final int FINISHED_CAP = 1_000;

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** The statuses in alphabetical order, as the grouped count before this class gave them. */
    private static final List<TaskStatus> STATUS_ORDER = List.of(TaskStatus.DONE, TaskStatus.FAILED, TaskStatus.KILLED,
            TaskStatus.PENDING, TaskStatus.RUNNING);

    /**
     * Per queue that has waiting or running tasks or a registered worker: pending, failed (claim
     * index, capped), scheduled without and with attempts (scheduled index, capped, from one sample).
     */
    static final String WAITING = """
            WITH RECURSIVE claimable AS (
                (SELECT queue FROM {tasks} WHERE status IN ('PENDING', 'FAILED') ORDER BY queue LIMIT 1)
                UNION ALL
                SELECT (SELECT t.queue FROM {tasks} t
                        WHERE t.status IN ('PENDING', 'FAILED') AND t.queue > c.queue ORDER BY t.queue LIMIT 1)
                FROM claimable c WHERE c.queue IS NOT NULL
            ), scheduled AS (
                (SELECT queue FROM {tasks} WHERE status = 'SCHEDULED' ORDER BY queue LIMIT 1)
                UNION ALL
                SELECT (SELECT t.queue FROM {tasks} t
                        WHERE t.status = 'SCHEDULED' AND t.queue > s.queue ORDER BY t.queue LIMIT 1)
                FROM scheduled s WHERE s.queue IS NOT NULL
            ), queues AS (
                SELECT queue FROM claimable WHERE queue IS NOT NULL
                UNION SELECT queue FROM scheduled WHERE queue IS NOT NULL
                UNION SELECT queue FROM {tasks} WHERE status = 'RUNNING'
                UNION SELECT queue FROM {workers}
            )
            SELECT q.queue, w.pending, w.failed, w.sampled, s.pending, s.failed, s.sampled
            FROM queues q
            CROSS JOIN LATERAL (
                SELECT count(*) FILTER (WHERE c.status = 'PENDING') AS pending,
                       count(*) FILTER (WHERE c.status = 'FAILED') AS failed, count(*) AS sampled
                FROM (SELECT t.status FROM {tasks} t
                      WHERE t.queue = q.queue AND t.status IN ('PENDING', 'FAILED')
                      ORDER BY t.priority, t.run_at, t.id
                      LIMIT %1$d) c) w
            CROSS JOIN LATERAL (
                SELECT count(*) FILTER (WHERE c.attempts = 0) AS pending,
                       count(*) FILTER (WHERE c.attempts > 0) AS failed, count(*) AS sampled
                FROM (SELECT t.attempts FROM {tasks} t
                      WHERE t.queue = q.queue AND t.status = 'SCHEDULED'
                      ORDER BY t.run_at
                      LIMIT %1$d) c) s
            ORDER BY q.queue""".formatted(WAITING_CAP);

    /** Running tasks by queue: as many rows as the workers hold. */
    static final String RUNNING = """
            SELECT queue, count(*) FROM {tasks} WHERE status = 'RUNNING' GROUP BY queue""";

    /**
     * Whether the finished tasks fit the exact count: reads at most the cap plus one entry of
     * {@code tasks_finished_idx} per status (the order makes the planner read the index, not the table).
     */
    static final String FINISHED_SAMPLE = """
            SELECT (SELECT count(*) FROM (SELECT 1 FROM {tasks} WHERE status = 'DONE'
                                          ORDER BY finished_at LIMIT %1$d) d)
                 + (SELECT count(*) FROM (SELECT 1 FROM {tasks} WHERE status = 'KILLED'
                                          ORDER BY finished_at LIMIT %1$d) k)""".formatted(FINISHED_CAP + 1);

    static final String FINISHED = """
            SELECT queue, status, count(*) FROM {tasks} WHERE status IN ('DONE', 'KILLED') GROUP BY queue, status""";

    /** The planner's estimate of a queue's rows in a stored status; the status is a constant of this class. */
    static final String ESTIMATE = """
            EXPLAIN (FORMAT JSON) SELECT 1 FROM {tasks} WHERE queue = ? AND %s""";

    private static final String NO_JIT = "SET LOCAL jit = off";

    private final StorageJdbc db;

    private final String waitingSql;

    private final String runningSql;

    private final String finishedSampleSql;

    private final String finishedSql;

    QueueCounter(StorageJdbc db) {
        this.db = db;
        this.waitingSql = db.names().expand(WAITING);
        this.runningSql = db.names().expand(RUNNING);
        this.finishedSampleSql = db.names().expand(FINISHED_SAMPLE);
        this.finishedSql = db.names().expand(FINISHED);
    }

    /**
     * Counts tasks by queue and public status (scheduled tasks count as pending or failed), one entry
     * per queue and status with tasks, ordered by queue and status.
     */
    List<QueueCount> count() {
        List<QueueCount> counts = db.ownTransaction().execute(status -> {
            // the samples' cost estimates can pass jit_above_cost: compiling would cost far more than running
            db.jdbc().execute(NO_JIT);
            return countInTransaction();
        });
        return (counts != null) ? counts : List.of();
    }

    private List<QueueCount> countInTransaction() {
        Map<String, long[]> counts = new TreeMap<>();
        db.jdbc().query(waitingSql, (ResultSetExtractor<Void>) rs -> {
            while (rs.next()) {
                String queue = rs.getString(1);
                long[] byStatus = counts.computeIfAbsent(queue, q -> new long[TaskStatus.values().length]);
                if (rs.getLong(4) >= WAITING_CAP) {
                    byStatus[TaskStatus.PENDING.ordinal()] += estimate(queue, "status = 'PENDING'", rs.getLong(2));
                    byStatus[TaskStatus.FAILED.ordinal()] += estimate(queue, "status = 'FAILED'", rs.getLong(3));
                }
                else {
                    byStatus[TaskStatus.PENDING.ordinal()] += rs.getLong(2);
                    byStatus[TaskStatus.FAILED.ordinal()] += rs.getLong(3);
                }
                if (rs.getLong(7) >= WAITING_CAP) {
                    byStatus[TaskStatus.PENDING.ordinal()] += estimate(queue,
                            "status = 'SCHEDULED' AND attempts = 0", rs.getLong(5));
                    byStatus[TaskStatus.FAILED.ordinal()] += estimate(queue, "status = 'SCHEDULED' AND attempts > 0",
                            rs.getLong(6));
                }
                else {
                    byStatus[TaskStatus.PENDING.ordinal()] += rs.getLong(5);
                    byStatus[TaskStatus.FAILED.ordinal()] += rs.getLong(6);
                }
            }
            return null;
        });
        db.jdbc().query(runningSql, (ResultSetExtractor<Void>) rs -> {
            while (rs.next()) {
                counts.computeIfAbsent(rs.getString(1), q -> new long[TaskStatus.values().length])[TaskStatus.RUNNING
                    .ordinal()] = rs.getLong(2);
            }
            return null;
        });
        Long finished = db.jdbc().queryForObject(finishedSampleSql, Long.class);
        if (finished != null && finished <= FINISHED_CAP) {
            db.jdbc().query(finishedSql, (ResultSetExtractor<Void>) rs -> {
                while (rs.next()) {
                    counts.computeIfAbsent(rs.getString(1),
                            q -> new long[TaskStatus.values().length])[TaskStatus.valueOf(rs.getString(2))
                                .ordinal()] = rs.getLong(3);
                }
                return null;
            });
        }
        else {
            for (Map.Entry<String, long[]> entry : counts.entrySet()) {
                entry.getValue()[TaskStatus.DONE.ordinal()] = estimate(entry.getKey(), "status = 'DONE'", 0);
                entry.getValue()[TaskStatus.KILLED.ordinal()] = estimate(entry.getKey(), "status = 'KILLED'", 0);
            }
        }
        List<QueueCount> result = new ArrayList<>();
        counts.forEach((queue, byStatus) -> {
            for (TaskStatus status : STATUS_ORDER) {
                long count = byStatus[status.ordinal()];
                if (count > 0) {
                    result.add(new QueueCount(queue, status, count));
                }
            }
        });
        return result;
    }

    /**
     * The planner's estimate of a queue's rows that meet a condition, at least {@code atLeast}. The
     * planner never estimates fewer than one row, so an estimate of one where nothing was counted
     * reads as zero.
     */
    private long estimate(String queue, String condition, long atLeast) {
        String plan = db.jdbc().query(db.names().expand(ESTIMATE.formatted(condition)),
                (ResultSetExtractor<String>) rs -> rs.next() ? rs.getString(1) : null, queue);
        long rows = 0;
        if (plan != null) {
            JsonNode root = JSON.readTree(plan);
            JsonNode planRows = root.path(0).path("Plan").path("Plan Rows");
            rows = planRows.isNumber() ? planRows.asLong() : 0;
        }
        if (rows <= 1 && atLeast == 0) {
            return 0;
        }
        return Math.max(rows, atLeast);
    }
}
