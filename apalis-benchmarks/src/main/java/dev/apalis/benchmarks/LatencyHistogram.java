package dev.apalis.benchmarks;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Counts latencies into fixed buckets, lock-free, so that many threads can record millions of them at a
 * fixed memory cost: 10 µs wide up to 100 ms, 1 ms wide up to 60 s, one bucket above. Percentiles are
 * the upper bound of the bucket that holds them (at most 10 µs, or 1 ms above 100 ms, too high).
 */
public final class LatencyHistogram {

    private static final long FINE_NANOS = 10_000;

    private static final long FINE_LIMIT_NANOS = 100_000_000;

    private static final long COARSE_NANOS = 1_000_000;

    private static final long COARSE_LIMIT_NANOS = 60_000_000_000L;

    private static final int FINE_BUCKETS = (int) (FINE_LIMIT_NANOS / FINE_NANOS);

    private static final int BUCKETS = FINE_BUCKETS + (int) ((COARSE_LIMIT_NANOS - FINE_LIMIT_NANOS) / COARSE_NANOS) + 1;

    private final AtomicLongArray counts = new AtomicLongArray(BUCKETS);

    private final AtomicLong total = new AtomicLong();

    private final AtomicLong maxNanos = new AtomicLong();

    /**
     * Records one latency.
     * @param nanos the latency; negative values count as 0
     */
    public void record(long nanos) {
        long value = Math.max(0, nanos);
        int bucket;
        if (value < FINE_LIMIT_NANOS) {
            bucket = (int) (value / FINE_NANOS);
        }
        else if (value < COARSE_LIMIT_NANOS) {
            bucket = FINE_BUCKETS + (int) ((value - FINE_LIMIT_NANOS) / COARSE_NANOS);
        }
        else {
            bucket = BUCKETS - 1;
        }
        counts.incrementAndGet(bucket);
        total.incrementAndGet();
        maxNanos.accumulateAndGet(value, Math::max);
    }

    /** How many latencies were recorded. */
    public long count() {
        return total.get();
    }

    /** The largest latency recorded, in milliseconds; 0 when none was. */
    public double maxMillis() {
        return maxNanos.get() / 1e6;
    }

    /**
     * A percentile, in milliseconds (nearest rank, rounded up to its bucket's upper bound).
     * @param p the percentile, 0 to 100
     * @return the latency, 0 when none was recorded
     */
    public double percentileMillis(double p) {
        long count = total.get();
        if (count == 0) {
            return 0;
        }
        long rank = Math.max(1, (long) Math.ceil(p / 100.0 * count));
        long seen = 0;
        for (int bucket = 0; bucket < BUCKETS; bucket++) {
            seen += counts.get(bucket);
            if (seen >= rank) {
                return Math.min(upperBoundNanos(bucket), maxNanos.get()) / 1e6;
            }
        }
        return maxMillis();
    }

    private static long upperBoundNanos(int bucket) {
        if (bucket < FINE_BUCKETS) {
            return (bucket + 1) * FINE_NANOS;
        }
        if (bucket < BUCKETS - 1) {
            return FINE_LIMIT_NANOS + (bucket - FINE_BUCKETS + 1) * COARSE_NANOS;
        }
        return Long.MAX_VALUE;
    }
}
