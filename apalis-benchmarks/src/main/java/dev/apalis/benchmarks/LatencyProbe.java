package dev.apalis.benchmarks;

import java.time.Duration;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

/**
 * Measures push-to-start latency: pushes tasks {@code 0..count-1} one by one at a steady rate, notes
 * when each push call began and when each handler started (the first start counts), and reports
 * percentiles in milliseconds.
 */
public final class LatencyProbe implements TaskProbe {

    /** Pushes task number {@code n}. */
    @FunctionalInterface
    public interface Push {

        void push(int n) throws Exception;
    }

    /** How long a worker is left idle after its start before the first push, the same for every system. */
    public static final Duration IDLE_BEFORE_PUSH = Duration.ofMillis(500);

    private final int count;

    private final long[] pushedNanos;

    private final AtomicLongArray startedNanos;

    private final CompletionTracker started;

    public LatencyProbe(int count) {
        this.count = count;
        this.pushedNanos = new long[count];
        this.startedNanos = new AtomicLongArray(count);
        this.started = new CompletionTracker(count);
    }

    @Override
    public void started(int n) {
        if (n >= 0 && n < count && startedNanos.compareAndSet(n, 0, System.nanoTime())) {
            started.acknowledged();
        }
    }

    /**
     * Pushes every task from the calling thread at {@code perSecond}, then waits until all started.
     * @param perSecond the steady push rate
     * @param push what pushes one task
     * @param stallTimeout how long without any start counts as a stall
     * @return p50, p95 and p99 in milliseconds
     * @throws Exception if a push fails or the system stalls
     */
    public Map<Measure, Double> measure(double perSecond, Push push, Duration stallTimeout) throws Exception {
        long interval = (long) (1_000_000_000L / perSecond);
        long begin = System.nanoTime();
        for (int n = 0; n < count; n++) {
            long due = begin + n * interval;
            long wait;
            while ((wait = due - System.nanoTime()) > 0) {
                LockSupport.parkNanos(wait);
            }
            pushedNanos[n] = System.nanoTime();
            push.push(n);
        }
        try {
            started.awaitAll(stallTimeout);
        }
        catch (TimeoutException ex) {
            throw new TimeoutException("Latency run: " + ex.getMessage());
        }
        double[] millis = new double[count];
        for (int n = 0; n < count; n++) {
            millis[n] = (startedNanos.get(n) - pushedNanos[n]) / 1_000_000.0;
        }
        Arrays.sort(millis);
        Map<Measure, Double> result = new EnumMap<>(Measure.class);
        result.put(Measure.LATENCY_P50, percentile(millis, 50));
        result.put(Measure.LATENCY_P95, percentile(millis, 95));
        result.put(Measure.LATENCY_P99, percentile(millis, 99));
        return result;
    }

    /**
     * Nearest-rank percentile of sorted values.
     * @param sorted the values, ascending, at least one
     * @param p the percentile, 0 to 100
     * @return the value
     */
    public static double percentile(double[] sorted, double p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }
}
