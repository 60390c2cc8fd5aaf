package dev.apalis.schedule;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import dev.apalis.backend.Backend;

/**
 * The schedule loop of one node: runs a round of {@link ScheduleStore#fireDue()}, then sleeps until the
 * earliest next slot of any schedule, or until a schedule changes, whichever comes first. Every node
 * runs one; no node leads, so the loss of any node loses no slot (the others fire it, and the store
 * makes sure only one does). Between slots it costs one index look-up per wake-up, and it wakes at
 * least every {@link #MAX_SLEEP} in case a change notification was lost.
 * <p>
 * The plain-Java equivalent of a cron stream feeding a worker:
 * {@code ScheduleRunner.start(storage.schedules(), events -> {})} next to a worker of the schedule's
 * queue. {@link #close()} stops the loop; a round in progress finishes (or rolls back) first.
 */
public final class ScheduleRunner implements AutoCloseable {

    private static final Log logger = LogFactory.getLog(ScheduleRunner.class);

    /** The longest sleep between two rounds. */
    public static final Duration MAX_SLEEP = Duration.ofMinutes(1);

    /** The first pause after a failed round; it doubles up to {@link #MAX_SLEEP}. */
    private static final Duration FIRST_RETRY = Duration.ofMillis(500);

    private final ScheduleStore store;

    private final SlotListener listener;

    private final Thread thread;

    private final Backend.Subscription subscription;

    /** Guarded by {@code this}. */
    private boolean changed;

    /** Guarded by {@code this}. */
    private boolean closed;

    private ScheduleRunner(ScheduleStore store, SlotListener listener, String name) {
        this.store = store;
        this.listener = listener;
        this.subscription = store.onChange(this::wake);
        this.thread = new Thread(this::run, name);
        this.thread.setDaemon(true);
    }

    /**
     * Starts a node's schedule loop.
     * @param store the schedules
     * @param listener told what each round did with its slots (from the loop's thread; must not block)
     * @return the running loop
     */
    public static ScheduleRunner start(ScheduleStore store, SlotListener listener) {
        ScheduleRunner runner = new ScheduleRunner(Objects.requireNonNull(store, "store"),
                Objects.requireNonNull(listener, "listener"), "apalis-schedules");
        runner.thread.start();
        return runner;
    }

    private synchronized void wake() {
        changed = true;
        notifyAll();
    }

    private void run() {
        Duration retry = FIRST_RETRY;
        while (!isClosed()) {
            Duration sleep;
            try {
                List<SlotEvent> events = store.fireDue();
                if (!events.isEmpty()) {
                    report(events);
                }
                sleep = store.untilNextDue().orElse(MAX_SLEEP);
                if (sleep.compareTo(MAX_SLEEP) > 0) {
                    sleep = MAX_SLEEP;
                }
                retry = FIRST_RETRY;
            }
            catch (RuntimeException ex) {
                logger.warn("A schedule round failed; the next one runs in " + retry + " (slots missed meanwhile "
                        + "follow their catch-up policy)", ex);
                sleep = retry;
                retry = (retry.multipliedBy(2).compareTo(MAX_SLEEP) > 0) ? MAX_SLEEP : retry.multipliedBy(2);
            }
            if (!sleep.isNegative() && !sleep.isZero() && !await(sleep)) {
                return;
            }
        }
    }

    private void report(List<SlotEvent> events) {
        try {
            listener.slots(events);
        }
        catch (RuntimeException ex) {
            logger.warn("A schedule listener failed", ex);
        }
    }

    /** Sleeps until the time passed or a change; false once closed. */
    private synchronized boolean await(Duration sleep) {
        long deadline = System.nanoTime() + sleep.toNanos();
        while (!closed && !changed) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                break;
            }
            try {
                wait(left / 1_000_000, (int) (left % 1_000_000));
            }
            catch (InterruptedException ex) {
                closed = true;
            }
        }
        changed = false;
        return !closed;
    }

    private synchronized boolean isClosed() {
        return closed;
    }

    /** Whether the loop's thread still runs. */
    public boolean isRunning() {
        return thread.isAlive();
    }

    /** Stops the loop and waits for a round in progress to end (10 seconds at most). */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            notifyAll();
        }
        subscription.close();
        try {
            thread.join(Duration.ofSeconds(10).toMillis());
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }
}
