package dev.apalis.backend.postgres;

import java.util.List;
import java.util.function.BooleanSupplier;

import org.springframework.jdbc.core.ResultSetExtractor;

/**
 * Moves scheduled tasks whose run time comes within the {@linkplain StoredStatus#PROMOTION_WINDOW
 * promotion window} back into the claim index: to {@code PENDING} if they never ran, {@code FAILED} if
 * they wait for a retry. Then it notifies their queues, so that sleeping workers look up their next run
 * time and wake for it.
 * <p>
 * A round first lists the queues whose earliest scheduled task is due within the window, by a skip
 * scan of {@code tasks_scheduled_idx} (one probe per queue that has scheduled tasks: an idle round
 * reads a handful of index entries). Each queue is then promoted {@value #BATCH_SIZE} rows per
 * statement and transaction, in run-time order, skipping rows other transactions hold; every
 * transaction takes a transaction-scoped advisory lock first and stops when another node holds it, so
 * one node at a time promotes and no transaction stays open long. The window is measured on the
 * database's clock.
 */
final class ScheduledPromoter {

    static final int BATCH_SIZE = 1000;

    /** The queues whose earliest scheduled task is due within the window; one index probe per queue. */
    static final String DUE_QUEUES = """
            WITH RECURSIVE queues AS (
                (SELECT queue, run_at FROM {tasks}
                 WHERE status = 'SCHEDULED'
                 ORDER BY queue, run_at LIMIT 1)
                UNION ALL
                SELECT n.queue, n.run_at
                FROM queues q
                CROSS JOIN LATERAL (SELECT t.queue, t.run_at FROM {tasks} t
                                    WHERE t.status = 'SCHEDULED' AND t.queue > q.queue
                                    ORDER BY t.queue, t.run_at LIMIT 1) n
            )
            SELECT queue FROM queues WHERE run_at <= %s""".formatted(StoredStatus.HORIZON);

    /** Promotes one batch of a queue; returns how many rows moved. */
    static final String PROMOTE = """
            WITH due AS (
                SELECT id FROM {tasks}
                WHERE queue = ? AND status = 'SCHEDULED' AND run_at <= %s
                ORDER BY run_at
                LIMIT %d
                FOR UPDATE SKIP LOCKED
            ), promoted AS (
                UPDATE {tasks} t
                SET status = CASE WHEN t.attempts > 0 THEN 'FAILED' ELSE 'PENDING' END
                FROM due
                WHERE t.id = due.id AND t.status = 'SCHEDULED'
                RETURNING t.id
            )
            SELECT count(*) FROM promoted""".formatted(StoredStatus.HORIZON, BATCH_SIZE);

    private static final String NOTIFY = "SELECT pg_notify(?, ?)";

    private final StorageJdbc db;

    private final String dueQueuesSql;

    private final String promoteSql;

    private final String channel;

    /**
     * @param db the storage's database access
     * @param notify whether to notify the queues of promoted tasks
     */
    ScheduledPromoter(StorageJdbc db, boolean notify) {
        this.db = db;
        this.dueQueuesSql = db.names().expand(DUE_QUEUES);
        this.promoteSql = db.names().expand(PROMOTE);
        this.channel = notify ? db.names().channel() : null;
    }

    /**
     * Promotes every scheduled task due within the window, unless another node is at it or
     * {@code stopped} says to stop between batches.
     * @param stopped whether to stop between batches
     * @return how many tasks were promoted
     */
    long promote(BooleanSupplier stopped) {
        List<String> queues = db.jdbc().queryForList(dueQueuesSql, String.class);
        long total = 0;
        for (String queue : queues) {
            while (!stopped.getAsBoolean()) {
                Long promoted = db.ownTransaction().execute(status -> {
                    if (!db.tryTransactionLock("promotion")) {
                        return -1L;
                    }
                    Long count = db.jdbc().queryForObject(promoteSql, Long.class, queue);
                    if (count != null && count > 0 && channel != null) {
                        db.jdbc().query(NOTIFY, (ResultSetExtractor<Void>) rs -> null, channel, queue);
                    }
                    return count;
                });
                if (promoted == null || promoted < 0) {
                    return total;
                }
                total += promoted;
                if (promoted < BATCH_SIZE) {
                    break;
                }
            }
        }
        return total;
    }
}
