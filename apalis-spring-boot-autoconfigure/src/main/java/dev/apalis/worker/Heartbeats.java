package dev.apalis.worker;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

import dev.apalis.backend.Backend;

/**
 * A worker's heart-beats, each naming the tasks it holds, and the fence they raise: when heart-beats
 * failed for the backend's orphan threshold, the backend may take the worker for dead and rescue its
 * claims, so it claims and starts nothing until a heart-beat works again, and then releases the tasks
 * it claimed ahead (they may have been put back in the queue meanwhile).
 */
final class Heartbeats {

    private final Backend backend;

    private final String workerId;

    private final String workerName;

    private final HeldTasks held;

    private final EventEmitter events;

    /** Releases the claimed tasks that wait for a slot, once heart-beats work again. */
    private final Runnable releaseWaiting;

    /** How many claimed tasks wait for a slot, for the log. */
    private final IntSupplier waiting;

    /** The orphan threshold of the backend, if it has one. */
    private final long orphanThresholdNanos;

    /** When the last heart-beat that reached the backend was sent. */
    private volatile long lastHeartbeatNanos;

    /** Whether heart-beats failed for the orphan threshold: claimed tasks do not start until one works again. */
    private volatile boolean fenced;

    /** Whether the last heart-beat failed. */
    private volatile boolean failing;

    Heartbeats(Backend backend, String workerId, String workerName, HeldTasks held, EventEmitter events,
            Runnable releaseWaiting, IntSupplier waiting) {
        this.backend = backend;
        this.workerId = workerId;
        this.workerName = workerName;
        this.held = held;
        this.events = events;
        this.releaseWaiting = releaseWaiting;
        this.waiting = waiting;
        this.orphanThresholdNanos = backend.orphanThreshold().map(Duration::toNanos).orElse(0L);
        this.lastHeartbeatNanos = System.nanoTime();
    }

    /**
     * Sends a heart-beat every interval, the first one interval from now.
     * @param scheduler the worker's scheduler
     * @param interval the heart-beat interval
     */
    void start(ScheduledExecutorService scheduler, Duration interval) {
        lastHeartbeatNanos = System.nanoTime();
        long millis = interval.toMillis();
        scheduler.scheduleWithFixedDelay(this::beat, millis, millis, TimeUnit.MILLISECONDS);
    }

    /**
     * Whether the worker may claim and start tasks now, as far as heart-beats go.
     * @param nowNanos now, on {@link System#nanoTime()}
     * @return {@code false} while fenced
     */
    boolean allowStarts(long nowNanos) {
        return !fenced && !stale(nowNanos);
    }

    /**
     * Sends a heart-beat naming the tasks this worker holds. When heart-beats failed for the backend's
     * orphan threshold, this worker's claims may be rescued and run elsewhere: it stops starting claimed
     * tasks, and releases them once a heart-beat works again.
     */
    void beat() {
        long sentAt = System.nanoTime();
        try {
            backend.heartbeat(workerId, held.ids());
            boolean wasStale = fenced || stale(sentAt);
            lastHeartbeatNanos = sentAt;
            failing = false;
            if (wasStale) {
                fenced = false;
                WorkerRuntime.logger.info("Worker '" + workerName + "' reaches its backend again; releasing the tasks "
                        + "it claimed ahead (they may have been put back in the queue meanwhile)");
                releaseWaiting.run();
            }
        }
        catch (Throwable ex) {
            failing = true;
            if (!fenced && stale(System.nanoTime())) {
                fenced = true;
                WorkerRuntime.logger.warn("Worker '" + workerName + "' could not heart-beat for its backend's orphan "
                        + "threshold of " + Duration.ofNanos(orphanThresholdNanos) + "; it starts none of its "
                        + waiting.getAsInt() + " claimed-ahead task(s) until a heart-beat works again, then releases them");
            }
            events.emit(new WorkerEvent.Error(workerName, events.now(), ex));
        }
    }

    /**
     * Whether heart-beats fail and the last one that reached the backend was sent longer ago than its
     * orphan threshold: the backend may take this worker for dead and rescue its claims, so none may
     * start. (Only after a failure, so that a heart-beat interval longer than the threshold, a
     * misconfiguration, does not stall the worker.)
     */
    private boolean stale(long nowNanos) {
        return failing && orphanThresholdNanos > 0 && nowNanos - lastHeartbeatNanos >= orphanThresholdNanos;
    }
}
