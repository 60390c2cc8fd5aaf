package dev.apalis.worker;

import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;

/**
 * Wakes a worker's fetcher (and a stop that waits for handlers to finish). A wake-up that comes while
 * the fetcher is not waiting is kept for its next wait, so none is lost between a check and the wait.
 */
final class WakeSignal {

    private final ReentrantLock lock = new ReentrantLock();

    private final Condition wake = lock.newCondition();

    private boolean requested;

    /** Wakes every waiter, and the fetcher's next wait if it is not waiting now. */
    void wakeUp() {
        lock.lock();
        try {
            requested = true;
            wake.signalAll();
        }
        finally {
            lock.unlock();
        }
    }

    /**
     * Waits for a wake-up, at most {@code nanos}, while {@code running} holds; takes the wake-up.
     * @param nanos the longest wait
     * @param running whether to go on waiting
     */
    void await(long nanos, BooleanSupplier running) {
        lock.lock();
        try {
            long remaining = nanos;
            while (!requested && remaining > 0 && running.getAsBoolean()) {
                remaining = wake.awaitNanos(remaining);
            }
            requested = false;
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        finally {
            lock.unlock();
        }
    }

    /**
     * Waits until {@code done} holds, checked at every wake-up, or the deadline passes; leaves the
     * wake-up to the fetcher.
     * @param done what to wait for
     * @param deadlineNanos when to give up, on {@link System#nanoTime()}
     */
    void awaitUntil(BooleanSupplier done, long deadlineNanos) {
        lock.lock();
        try {
            while (!done.getAsBoolean()) {
                long remaining = deadlineNanos - System.nanoTime();
                if (remaining <= 0) {
                    return;
                }
                wake.awaitNanos(remaining);
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        finally {
            lock.unlock();
        }
    }
}
