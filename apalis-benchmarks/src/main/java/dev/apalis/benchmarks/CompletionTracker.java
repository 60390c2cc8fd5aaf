package dev.apalis.benchmarks;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts acknowledged tasks and notes the moment the last one was acknowledged. Systems call
 * {@link #acknowledged()} from whatever hook runs after their acknowledgement is written; waiting
 * fails when no task is acknowledged for a whole stall timeout, so a broken system cannot hang the run.
 */
public final class CompletionTracker {

    private final int expected;

    private final AtomicInteger done = new AtomicInteger();

    private final CountDownLatch all = new CountDownLatch(1);

    private volatile long finishedNanos;

    public CompletionTracker(int expected) {
        this.expected = expected;
    }

    /** One more task was acknowledged (extra calls past the expected count are ignored). */
    public void acknowledged() {
        if (done.incrementAndGet() == expected) {
            finishedNanos = System.nanoTime();
            all.countDown();
        }
    }

    public int done() {
        return Math.min(done.get(), expected);
    }

    /**
     * Waits until every expected task was acknowledged.
     * @param stallTimeout how long without any progress counts as a stall
     * @return {@link System#nanoTime()} at the last acknowledgement
     * @throws TimeoutException on a stall
     * @throws InterruptedException if interrupted
     */
    public long awaitAll(Duration stallTimeout) throws TimeoutException, InterruptedException {
        int lastDone = -1;
        long lastProgress = System.nanoTime();
        while (!all.await(200, TimeUnit.MILLISECONDS)) {
            int now = done.get();
            if (now != lastDone) {
                lastDone = now;
                lastProgress = System.nanoTime();
            }
            else if (System.nanoTime() - lastProgress > stallTimeout.toNanos()) {
                throw new TimeoutException("Stalled at " + now + " of " + expected + " tasks for " + stallTimeout);
            }
        }
        return finishedNanos;
    }
}
