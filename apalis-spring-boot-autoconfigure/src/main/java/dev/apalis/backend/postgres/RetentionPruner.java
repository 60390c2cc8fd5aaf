package dev.apalis.backend.postgres;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * Deletes finished tasks older than their retention ({@code DONE} and {@code KILLED} each their
 * own), {@value #BATCH_SIZE} rows per statement and transaction, until fewer are left. Each batch
 * takes a transaction-scoped advisory lock first and stops when another node holds it, so one node at
 * a time prunes and no transaction stays open long.
 */
final class RetentionPruner {

    static final int BATCH_SIZE = 1000;

    private static final String PRUNE = """
            DELETE FROM {tasks}
            WHERE id IN (
                SELECT id FROM {tasks}
                WHERE status = '%s' AND finished_at < now() - ? * interval '1 millisecond'
                LIMIT %d
                FOR UPDATE SKIP LOCKED)""";

    private final StorageJdbc db;

    private final String pruneDoneSql;

    private final String pruneKilledSql;

    private final long doneRetentionMillis;

    private final long killedRetentionMillis;

    RetentionPruner(StorageJdbc db, Duration doneRetention, Duration killedRetention) {
        this.db = db;
        // the status is a literal, so that the planner can use the partial index tasks_finished_idx
        this.pruneDoneSql = db.names().expand(PRUNE.formatted("DONE", BATCH_SIZE));
        this.pruneKilledSql = db.names().expand(PRUNE.formatted("KILLED", BATCH_SIZE));
        this.doneRetentionMillis = doneRetention.toMillis();
        this.killedRetentionMillis = killedRetention.toMillis();
    }

    /**
     * Prunes until nothing old is left, another node takes over, or {@code stopped} says so.
     * @param stopped whether to stop between batches
     * @return how many tasks were deleted
     */
    long prune(BooleanSupplier stopped) {
        return prune(pruneDoneSql, doneRetentionMillis, stopped) + prune(pruneKilledSql, killedRetentionMillis, stopped);
    }

    private long prune(String sql, long retentionMillis, BooleanSupplier stopped) {
        long total = 0;
        while (!stopped.getAsBoolean()) {
            Integer deleted = db.ownTransaction().execute(status -> {
                if (!db.tryTransactionLock("retention")) {
                    return -1;
                }
                return db.jdbc().update(sql, retentionMillis);
            });
            if (deleted == null || deleted < 0) {
                break;
            }
            total += deleted;
            if (deleted < BATCH_SIZE) {
                break;
            }
        }
        return total;
    }
}
