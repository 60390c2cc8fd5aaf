package dev.apalis.backend.postgres;

import java.time.Duration;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * A storage's background upkeep on two daemon threads: orphan rescue every {@code rescueInterval} and
 * retention every {@code retentionInterval} on one, promotion of scheduled tasks every
 * {@link StoredStatus#PROMOTION_INTERVAL} on the other (so that a long retention round never delays a
 * scheduled task). Every run catches everything, so a database outage only delays the next run; the
 * first failure in a row is logged as a warning, the rest at debug level.
 * <p>
 * After a failed round (the database could not be reached) no orphan is rescued until this node has
 * reached the database again for one full orphan threshold: during an outage no worker could
 * heart-beat, and live workers must have had the time to do so before their claims are judged. Until
 * then each round only checks that the database answers.
 */
final class Maintenance implements AutoCloseable {

    private static final Log logger = LogFactory.getLog(Maintenance.class);

    private final OrphanRescuer rescuer;

    private final RetentionPruner pruner;

    private final ScheduledPromoter promoter;

    private final long retentionIntervalNanos;

    private final String schema;

    private ScheduledThreadPoolExecutor executor;

    private volatile boolean closed;

    private long lastPruneNanos;

    private volatile boolean failing;

    private volatile boolean promotionFailing;

    /** Since when the database answers again after a failed round; {@code null} while there was no outage. */
    private volatile Long reconnectedAtNanos;

    /** Whether the database did not answer since the last round that did. */
    private volatile boolean outage;

    private final long thresholdNanos;

    Maintenance(OrphanRescuer rescuer, RetentionPruner pruner, ScheduledPromoter promoter, Duration retentionInterval,
            String schema) {
        this.rescuer = rescuer;
        this.thresholdNanos = rescuer.threshold().toNanos();
        this.pruner = pruner;
        this.promoter = promoter;
        this.retentionIntervalNanos = retentionInterval.toNanos();
        this.schema = schema;
    }

    /**
     * Starts the thread.
     * @param rescueInterval how often to look for orphans
     */
    synchronized void start(Duration rescueInterval) {
        if (executor != null || closed) {
            return;
        }
        ScheduledThreadPoolExecutor scheduled = new ScheduledThreadPoolExecutor(2, runnable -> {
            Thread thread = new Thread(runnable, "apalis-maintenance-" + schema);
            thread.setDaemon(true);
            return thread;
        });
        scheduled.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        lastPruneNanos = System.nanoTime() - retentionIntervalNanos;
        long period = Math.max(1, rescueInterval.toMillis());
        scheduled.scheduleWithFixedDelay(this::run, period, period, TimeUnit.MILLISECONDS);
        long promotionPeriod = StoredStatus.PROMOTION_INTERVAL.toMillis();
        scheduled.scheduleWithFixedDelay(this::runPromotion, 0, promotionPeriod, TimeUnit.MILLISECONDS);
        executor = scheduled;
    }

    /** One round: rescue, then retention when it is due. Never throws. */
    void run() {
        try {
            rescue();
            if (System.nanoTime() - lastPruneNanos >= retentionIntervalNanos) {
                prune();
                lastPruneNanos = System.nanoTime();
            }
            if (failing) {
                failing = false;
                logger.info("Apalis maintenance of schema '" + schema + "' works again");
            }
        }
        catch (Throwable ex) {
            if (closed) {
                return;
            }
            if (!failing) {
                failing = true;
                logger.warn("Apalis maintenance of schema '" + schema + "' failed; it retries every interval "
                        + "(further failures are logged at debug level)", ex);
            }
            else if (logger.isDebugEnabled()) {
                logger.debug("Apalis maintenance of schema '" + schema + "' failed again", ex);
            }
        }
    }

    /** One promotion round. Never throws. */
    void runPromotion() {
        try {
            promote();
            if (promotionFailing) {
                promotionFailing = false;
                logger.info("Apalis promotion of scheduled tasks of schema '" + schema + "' works again");
            }
        }
        catch (Throwable ex) {
            if (closed) {
                return;
            }
            if (!promotionFailing) {
                promotionFailing = true;
                logger.warn("Apalis promotion of scheduled tasks of schema '" + schema + "' failed; it retries every "
                        + StoredStatus.PROMOTION_INTERVAL.toMillis() + " ms (further failures are logged at debug level)",
                        ex);
            }
            else if (logger.isDebugEnabled()) {
                logger.debug("Apalis promotion of scheduled tasks of schema '" + schema + "' failed again", ex);
            }
        }
    }

    /** Promotes scheduled tasks due within the window once; see {@link ScheduledPromoter#promote}. */
    long promote() {
        long promoted = promoter.promote(() -> closed);
        if (promoted > 0 && logger.isDebugEnabled()) {
            logger.debug("Promoted " + promoted + " scheduled task(s) of schema '" + schema + "' due within "
                    + StoredStatus.PROMOTION_WINDOW.toMillis() + " ms");
        }
        return promoted;
    }

    /** Whether the last round failed (for tests). */
    boolean failing() {
        return failing;
    }

    /**
     * Rescues orphans once, see {@link OrphanRescuer#rescue()}, unless the database came back from an
     * outage less than one orphan threshold ago: then it only checks that the database answers.
     * @return how many tasks were put back (or killed), or -1 if another node is at it or it waits
     */
    long rescue() {
        try {
            if (outage || reconnectedAtNanos != null) {
                rescuer.ping();
                long now = System.nanoTime();
                if (outage) {
                    outage = false;
                    reconnectedAtNanos = now;
                    logger.info("Apalis maintenance of schema '" + schema + "' reaches the database again; orphans "
                            + "are rescued once it has for one orphan threshold (" + rescuer.threshold() + ")");
                }
                if (now - reconnectedAtNanos < thresholdNanos) {
                    return -1;
                }
                reconnectedAtNanos = null;
            }
        }
        catch (RuntimeException ex) {
            outage = true;
            throw ex;
        }
        long rescued;
        try {
            rescued = rescuer.rescue();
        }
        catch (RuntimeException ex) {
            outage = true;
            throw ex;
        }
        if (rescued > 0) {
            logger.warn("Put " + rescued + " task(s) of schema '" + schema + "' back in the queue: their workers stopped "
                    + "heart-beating while running them");
        }
        return rescued;
    }

    /** Prunes finished tasks once; see {@link RetentionPruner#prune}. */
    long prune() {
        long pruned = pruner.prune(() -> closed);
        if (pruned > 0 && logger.isDebugEnabled()) {
            logger.debug("Deleted " + pruned + " finished task(s) of schema '" + schema + "' past their retention");
        }
        return pruned;
    }

    @Override
    public void close() {
        ScheduledThreadPoolExecutor current;
        synchronized (this) {
            closed = true;
            current = executor;
            executor = null;
        }
        if (current != null) {
            current.shutdownNow();
            try {
                if (!current.awaitTermination(5, TimeUnit.SECONDS)) {
                    logger.warn("The Apalis maintenance thread of schema '" + schema + "' did not stop within 5 s");
                }
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
