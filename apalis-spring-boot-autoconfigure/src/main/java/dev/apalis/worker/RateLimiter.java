package dev.apalis.worker;

import java.time.Duration;

/**
 * Allows at most {@code permits} task starts in any window of {@code period}: it remembers the last
 * {@code permits} start times and lets a new start through only when the oldest is a full period old.
 */
final class RateLimiter {

    private final long periodNanos;

    private final long[] starts;

    private int oldest;

    RateLimiter(int permits, Duration period) {
        if (permits < 1) {
            throw new IllegalArgumentException("a rate limit needs 1 or more starts per period, was " + permits);
        }
        if (period == null || period.isNegative() || period.isZero()) {
            throw new IllegalArgumentException("a rate limit needs a positive period, was " + period);
        }
        this.periodNanos = period.toNanos();
        this.starts = new long[permits];
        long longAgo = System.nanoTime() - periodNanos;
        java.util.Arrays.fill(this.starts, longAgo);
    }

    /**
     * Takes up to {@code wanted} permits that are free now.
     * @return how many were taken
     */
    synchronized int tryAcquire(int wanted, long nowNanos) {
        int taken = 0;
        while (taken < wanted && nowNanos - starts[oldest] >= periodNanos) {
            starts[oldest] = nowNanos;
            oldest = (oldest + 1) % starts.length;
            taken++;
        }
        return taken;
    }

    /**
     * How many permits are free now, without taking them.
     */
    synchronized int available(long nowNanos) {
        int free = 0;
        while (free < starts.length && nowNanos - starts[(oldest + free) % starts.length] >= periodNanos) {
            free++;
        }
        return free;
    }

    /** How long until the next permit is free, zero if one is free now. */
    synchronized long nanosUntilNextPermit(long nowNanos) {
        return Math.max(0, starts[oldest] + periodNanos - nowNanos);
    }
}
