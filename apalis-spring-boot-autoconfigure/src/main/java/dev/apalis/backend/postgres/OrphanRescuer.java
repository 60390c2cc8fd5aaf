package dev.apalis.backend.postgres;

import java.time.Duration;

/**
 * Puts orphaned tasks back in the queue: tasks {@code RUNNING} for longer than the orphan threshold
 * whose owner has no heart-beat within the threshold (it crashed, lost the database, or was
 * deregistered without completing them). A rescued task becomes {@code PENDING} again with its
 * attempt still counted and a note in its last error; one that was on its last allowed attempt (an
 * explicit {@code maxAttempts} on the task) is {@code KILLED} instead, so that a task which crashes
 * its worker cannot loop forever. Then worker rows stale for longer than the threshold and holding no
 * task are deleted.
 * <p>
 * The rows are re-checked under their row locks ({@code status = 'RUNNING'}) and rows locked by a
 * completing worker are skipped, so a task that finished meanwhile is never touched. One node at a
 * time runs it, under a transaction-scoped advisory lock.
 */
final class OrphanRescuer {

    private static final String RESCUE = """
            WITH orphans AS (
                SELECT t.id FROM {tasks} t
                WHERE t.status = 'RUNNING'
                  AND t.locked_at < now() - ? * interval '1 millisecond'
                  AND NOT EXISTS (
                      SELECT 1 FROM {workers} w
                      WHERE w.id = t.lock_owner AND w.last_heartbeat >= now() - ? * interval '1 millisecond')
                FOR UPDATE SKIP LOCKED
            ), rescued AS (
                UPDATE {tasks} t
                SET status = CASE WHEN t.max_attempts > 0 AND t.attempts >= t.max_attempts
                                  THEN 'KILLED' ELSE 'PENDING' END,
                    last_error = CASE WHEN t.max_attempts > 0 AND t.attempts >= t.max_attempts
                        THEN format('Gave up after %s attempts: worker %s stopped heart-beating during the last one',
                                    t.attempts, t.lock_owner)
                        ELSE format('Attempt %s was interrupted: worker %s stopped heart-beating; the task was put '
                                    'back in the queue', t.attempts, t.lock_owner) END,
                    finished_at = CASE WHEN t.max_attempts > 0 AND t.attempts >= t.max_attempts
                                       THEN now() ELSE NULL END,
                    run_at = CASE WHEN t.max_attempts > 0 AND t.attempts >= t.max_attempts
                                  THEN t.run_at ELSE now() END,
                    lock_owner = NULL,
                    locked_at = NULL
                FROM orphans
                WHERE t.id = orphans.id AND t.status = 'RUNNING'
                RETURNING t.queue
            )
            SELECT coalesce(sum(n), 0){notify} FROM (SELECT queue, count(*) AS n FROM rescued GROUP BY queue) queues""";

    private static final String NOTIFY = ", count(pg_notify(?, queue))";

    private static final String DELETE_STALE_WORKERS = """
            DELETE FROM {workers} w
            WHERE w.last_heartbeat < now() - ? * interval '1 millisecond'
              AND NOT EXISTS (SELECT 1 FROM {tasks} t WHERE t.status = 'RUNNING' AND t.lock_owner = w.id)""";

    private final StorageJdbc db;

    private final long thresholdMillis;

    private final String rescueSql;

    private final String deleteStaleWorkersSql;

    private final String channel;

    OrphanRescuer(StorageJdbc db, Duration threshold, boolean notify) {
        this.db = db;
        this.thresholdMillis = threshold.toMillis();
        this.rescueSql = db.names().expand(RESCUE.replace("{notify}", notify ? NOTIFY : ""));
        this.deleteStaleWorkersSql = db.names().expand(DELETE_STALE_WORKERS);
        this.channel = notify ? db.names().channel() : null;
    }

    /**
     * Rescues orphans once.
     * @return how many tasks were put back (or killed), or -1 if another node is at it
     */
    long rescue() {
        Long rescued = db.ownTransaction().execute(status -> {
            if (!db.tryTransactionLock("rescue")) {
                return -1L;
            }
            Long count = db.jdbc().query(connection -> {
                java.sql.PreparedStatement ps = connection.prepareStatement(rescueSql);
                ps.setLong(1, thresholdMillis);
                ps.setLong(2, thresholdMillis);
                if (channel != null) {
                    ps.setString(3, channel);
                }
                return ps;
            }, rs -> rs.next() ? rs.getLong(1) : 0L);
            db.jdbc().update(deleteStaleWorkersSql, thresholdMillis);
            return count;
        });
        return (rescued != null) ? rescued : 0L;
    }
}
