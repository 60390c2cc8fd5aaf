package dev.apalis.backend.postgres;

import java.time.Duration;

/**
 * Puts orphaned tasks back in the queue. Two kinds, both {@code RUNNING} with a claim older than the
 * orphan threshold:
 * <ul>
 * <li>tasks whose owner has no heart-beat within the threshold (it crashed, lost the database, or was
 * deregistered without completing them). A task whose start was recorded ({@code started_at} set) is
 * put back with its attempt counted, the interruption noted in its last error and attempt history;
 * at its maximum of attempts (the claim stores the worker's when the push set none) it is
 * {@code KILLED} instead, with an error that says how often its worker stopped during its attempts,
 * so a task that kills its worker cannot loop forever. A task whose start was not recorded is put back
 * uncharged, and {@code unstarted_rescues} goes up, so that its next claim charges it at once;</li>
 * <li>tasks of a live owner that its last heart-beat did not name as held, written at least half a
 * threshold after the claim: the claim's reply never reached the worker. They never ran; a charged
 * attempt is refunded.</li>
 * </ul>
 * After an outage the {@link Maintenance} runs no rescue until its node has reached the database for
 * one full threshold, so that live workers heart-beat again before their claims are judged. Then
 * worker rows stale for longer than the threshold and holding no task are deleted.
 * <p>
 * The rows are re-checked under their row locks ({@code status = 'RUNNING'}) and rows locked by a
 * completing worker are skipped, so a task that finished meanwhile is never touched. One node at a
 * time runs it, under a transaction-scoped advisory lock.
 */
final class OrphanRescuer {

    private static final String RESCUE = """
            WITH orphans AS (
                SELECT t.id, (w.id IS NOT NULL) AS owner_alive FROM {tasks} t
                LEFT JOIN {workers} w
                       ON w.id = t.lock_owner AND w.last_heartbeat >= now() - ? * interval '1 millisecond'
                WHERE t.status = 'RUNNING'
                  AND t.locked_at < now() - ? * interval '1 millisecond'
                  AND (w.id IS NULL
                       OR (w.last_heartbeat > t.locked_at + ? * interval '1 millisecond' AND t.id <> ALL (w.held)
                           AND NOT ('00000000-0000-0000-0000-000000000000'::uuid = ANY (w.held))))
                FOR UPDATE OF t SKIP LOCKED
            ), rescued AS (
                UPDATE {tasks} t
                SET status = CASE WHEN o.owner_alive OR t.started_at IS NULL OR t.attempts < t.max_attempts
                                    OR t.max_attempts <= 0 THEN 'PENDING' ELSE 'KILLED' END,
                    attempts = CASE WHEN o.owner_alive THEN t.attempts - (t.started_at IS NOT NULL)::int
                                    ELSE t.attempts END,
                    unstarted_rescues = t.unstarted_rescues + (NOT o.owner_alive AND t.started_at IS NULL)::int,
                    last_error = CASE
                        WHEN o.owner_alive OR t.started_at IS NULL THEN t.last_error
                        WHEN t.max_attempts > 0 AND t.attempts >= t.max_attempts THEN format(
                            'Gave up after %s attempts: its worker stopped heart-beating (crashed, was killed or lost '
                            'the database) during %s of them, the last one on worker %s', t.attempts,
                            1 + (SELECT count(*) FROM jsonb_array_elements(t.attempt_errors) e
                                 WHERE e->>'error' LIKE 'Interrupted: worker % stopped heart-beating%'),
                            t.lock_owner)
                        ELSE format('Interrupted: worker %s stopped heart-beating during attempt %s; the task was put '
                                    'back in the queue', t.lock_owner, t.attempts) END,
                    attempt_errors = CASE WHEN o.owner_alive OR t.started_at IS NULL THEN t.attempt_errors ELSE
                        (CASE WHEN jsonb_array_length(t.attempt_errors) >= 10 THEN t.attempt_errors - 0
                              ELSE t.attempt_errors END)
                        || jsonb_build_array(jsonb_build_object('attempt', t.attempts, 'at', now(), 'error',
                               format('Interrupted: worker %s stopped heart-beating during this attempt', t.lock_owner)))
                        END,
                    finished_at = CASE WHEN NOT o.owner_alive AND t.started_at IS NOT NULL AND t.max_attempts > 0
                                            AND t.attempts >= t.max_attempts THEN now() ELSE NULL END,
                    run_at = CASE WHEN NOT o.owner_alive AND t.started_at IS NOT NULL AND t.max_attempts > 0
                                       AND t.attempts >= t.max_attempts THEN t.run_at ELSE now() END,
                    started_at = NULL,
                    lock_owner = NULL,
                    locked_at = NULL
                FROM orphans o
                WHERE t.id = o.id AND t.status = 'RUNNING'
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

    /** One cheap round trip, to tell whether the database answers again after an outage. */
    void ping() {
        db.jdbc().queryForObject("SELECT 1", Integer.class);
    }

    /** The orphan threshold. */
    Duration threshold() {
        return Duration.ofMillis(thresholdMillis);
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
                ps.setLong(3, thresholdMillis / 2);
                if (channel != null) {
                    ps.setString(4, channel);
                }
                return ps;
            }, rs -> rs.next() ? rs.getLong(1) : 0L);
            db.jdbc().update(deleteStaleWorkersSql, thresholdMillis);
            return count;
        });
        return (rescued != null) ? rescued : 0L;
    }
}
