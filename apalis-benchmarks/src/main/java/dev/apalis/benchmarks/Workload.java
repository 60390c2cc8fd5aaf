package dev.apalis.benchmarks;

import java.time.Duration;

/**
 * How much work one measurement does; the same for every system.
 *
 * @param tasks tasks queued before a drain
 * @param threads handler threads of a worker, pushing threads of a push, claiming threads of the raw loop
 * @param pushTasks tasks stored by a push measurement
 * @param batchSize tasks per call of a batched push
 * @param latencyTasks tasks pushed one by one at a steady rate in a latency measurement (a polling system
 * gets more, see {@link #latencyTasksFor})
 * @param latencyRate pushes per second during a latency measurement
 */
public record Workload(int tasks, int threads, int pushTasks, int batchSize, int latencyTasks, double latencyRate) {

    public Workload {
        requirePositive(tasks, "tasks");
        requirePositive(threads, "threads");
        requirePositive(pushTasks, "pushTasks");
        requirePositive(batchSize, "batchSize");
        requirePositive(latencyTasks, "latencyTasks");
        if (!(latencyRate > 0)) {
            throw new IllegalArgumentException("latencyRate must be positive, was " + latencyRate);
        }
    }

    /** Spare connections in every system's pool beyond one per thread (for fetchers, listeners, heart-beats). */
    public static final int SPARE_CONNECTIONS = 4;

    /** The size of every system's connection pool: one per thread, plus {@link #SPARE_CONNECTIONS}. */
    public int poolSize() {
        return threads + SPARE_CONNECTIONS;
    }

    /**
     * A smaller copy of this workload for an untimed warm-up of the JIT and the connection pools (a
     * latency warm-up pushes a tenth of the warm-up tasks).
     * @param warmUpTasks at most this many tasks per drain or push
     * @return the warm-up workload
     */
    public Workload warmUp(int warmUpTasks) {
        return new Workload(Math.min(tasks, warmUpTasks), threads, Math.min(pushTasks, warmUpTasks), batchSize,
                Math.max(1, Math.min(latencyTasks, warmUpTasks / 10)), latencyRate);
    }

    /**
     * How many tasks a latency run of a system that polls every {@code pollInterval} pushes: at least
     * {@link #latencyTasks}, and enough for the pushes to span a whole poll interval, so that they land at
     * every phase of the polling rather than all just after (or just before) one poll.
     * @param pollInterval the system's poll interval
     * @return the number of tasks
     */
    public int latencyTasksFor(Duration pollInterval) {
        long spanning = (long) Math.ceil(latencyRate * pollInterval.toNanos() / 1_000_000_000.0);
        return (int) Math.max(latencyTasks, Math.min(Integer.MAX_VALUE, spanning));
    }

    private static void requirePositive(int value, String name) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " must be 1 or more, was " + value);
        }
    }
}
