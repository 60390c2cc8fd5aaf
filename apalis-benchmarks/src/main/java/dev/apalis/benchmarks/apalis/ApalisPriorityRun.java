package dev.apalis.benchmarks.apalis;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

import com.zaxxer.hikari.HikariDataSource;

import dev.apalis.backend.postgres.PostgresStorage;
import dev.apalis.benchmarks.BenchmarkDatabase;
import dev.apalis.benchmarks.BenchmarkOptions;
import dev.apalis.benchmarks.CompletionTracker;
import dev.apalis.benchmarks.LatencyProbe;
import dev.apalis.benchmarks.Rates;
import dev.apalis.benchmarks.TaskProbe;
import dev.apalis.benchmarks.Workload;
import dev.apalis.task.NewTask;
import dev.apalis.task.TaskOptions;
import dev.apalis.worker.WorkerContext;

/**
 * The priority mode: one default worker drains a backlog of normal tasks (priority 0) while tasks of a
 * higher priority ({@value #HIGH_PRIORITY}, lower runs first) are pushed one by one at a steady rate,
 * until nine tenths of the backlog is done; reports how long each high-priority task waited from its push
 * call to its handler's start. Without priorities such a task would wait for the whole backlog ahead of it.
 * <p>
 * Like the throughput scenarios, it first runs the same thing untimed on {@code --warmup-tasks} tasks, with
 * a worker and a schema of its own, so that the timed run measures compiled code rather than the JIT's
 * first second ({@code --warmup-tasks 0} measures a cold JVM).
 */
public final class ApalisPriorityRun {

    /** The priority of the urgent tasks; normal tasks have 0. */
    static final int HIGH_PRIORITY = -10;

    /** The target of issue 13: urgent tasks start within this at p99 while the backlog drains. */
    public static final double P99_LIMIT_MS = 50;

    private static final Duration STALL_TIMEOUT = Duration.ofSeconds(60);

    private static final double PUSH_WHILE_DONE_BELOW = 0.9;

    private ApalisPriorityRun() {
    }

    /**
     * Runs it.
     * @param database the database
     * @param workload its tasks (the backlog), threads, batch size and latency rate (urgent pushes per second)
     * @param warmUpTasks the backlog of the untimed warm-up run, 0 for none
     * @param log where progress goes
     * @return the figures, by name
     * @throws Exception if Apalis failed or stalled
     */
    public static Map<String, Object> run(BenchmarkDatabase database, Workload workload, int warmUpTasks,
            PrintStream log) throws Exception {
        if (warmUpTasks > 0) {
            log.printf("Warming up (the same run, untimed, with %,d normal tasks)...%n", warmUpTasks);
            drain(database, workload.warmUp(warmUpTasks), log, false);
        }
        Map<String, Object> figures = drain(database, workload, log, true);
        figures.put("warmUpTasks", warmUpTasks);
        return figures;
    }

    private static Map<String, Object> drain(BenchmarkDatabase database, Workload workload, PrintStream log,
            boolean timed) throws Exception {
        int backlog = workload.tasks();
        int capacity = (int) Math.min(1_000_000, Math.max(100, workload.latencyRate() * 600));
        long[] pushedNanos = new long[capacity];
        AtomicLongArray startedNanos = new AtomicLongArray(capacity);
        CompletionTracker normalDone = new CompletionTracker(backlog);
        HikariDataSource pool = database.pool("bench-apalis", null, workload.poolSize());
        try (PostgresStorage storage = ApalisSetup.freshStorage(database, pool)) {
            log.printf("Queueing %,d normal tasks...%n", backlog);
            ApalisSetup.fill(storage, backlog, workload.threads(), workload.batchSize());
            database.settle(ApalisSetup.SCHEMA);
            CompletionTracker urgentStarted = new CompletionTracker(capacity);
            TaskProbe probe = n -> {
                if (n >= backlog && startedNanos.compareAndSet(n - backlog, 0, System.nanoTime())) {
                    urgentStarted.acknowledged();
                }
            };
            log.printf("Draining with %d threads while pushing priority %d tasks at %.0f/s...%n", workload.threads(),
                    HIGH_PRIORITY, workload.latencyRate());
            long start = System.nanoTime();
            WorkerContext worker = ApalisSetup.worker(storage, workload.threads(), BenchmarkOptions.ADAPTIVE_PREFETCH,
                    n -> {
                        probe.started(n);
                        if (n < backlog) {
                            normalDone.acknowledged();
                        }
                    }, (CompletionTracker) null).start();
            int urgent = 0;
            long normalEnd;
            try {
                long interval = (long) (1_000_000_000L / workload.latencyRate());
                long begin = System.nanoTime();
                while (urgent < capacity && normalDone.done() < backlog * PUSH_WHILE_DONE_BELOW) {
                    long due = begin + urgent * interval;
                    long wait;
                    while ((wait = due - System.nanoTime()) > 0) {
                        LockSupport.parkNanos(wait);
                    }
                    pushedNanos[urgent] = System.nanoTime();
                    storage.push(urgent(backlog + urgent));
                    urgent++;
                }
                normalEnd = normalDone.awaitAll(STALL_TIMEOUT);
                awaitUrgent(urgentStarted, urgent);
            }
            finally {
                ApalisSetup.stop(worker);
            }
            if (!timed) {
                return Map.of();
            }
            if (urgent == 0) {
                throw new IllegalStateException("The backlog drained before the first urgent push; use more --tasks");
            }
            double[] millis = new double[urgent];
            for (int i = 0; i < urgent; i++) {
                millis[i] = (startedNanos.get(i) - pushedNanos[i]) / 1_000_000.0;
            }
            Arrays.sort(millis);
            Map<String, Object> figures = new LinkedHashMap<>();
            figures.put("normalTasks", backlog);
            figures.put("threads", workload.threads());
            figures.put("normalDrainTasksPerSecond", Math.round(Rates.perSecond(backlog, start, normalEnd)));
            figures.put("urgentPriority", HIGH_PRIORITY);
            figures.put("urgentTasks", urgent);
            figures.put("urgentPushesPerSecond", workload.latencyRate());
            figures.put("urgentStartP50Ms", round(LatencyProbe.percentile(millis, 50)));
            figures.put("urgentStartP95Ms", round(LatencyProbe.percentile(millis, 95)));
            figures.put("urgentStartP99Ms", round(LatencyProbe.percentile(millis, 99)));
            figures.put("urgentStartMaxMs", round(millis[millis.length - 1]));
            figures.put("urgentStartP99Within50Ms", LatencyProbe.percentile(millis, 99) <= P99_LIMIT_MS);
            figures.put("urgentStartHistogramMs", histogram(millis));
            return figures;
        }
        finally {
            database.release(pool);
            database.dropSchema(ApalisSetup.SCHEMA);
        }
    }

    private static NewTask urgent(int n) {
        NewTask task = ApalisSetup.task(n);
        return new NewTask(task.queue(), task.payload(), TaskOptions.defaults().priority(HIGH_PRIORITY));
    }

    private static void awaitUrgent(CompletionTracker started, int count) throws Exception {
        long deadline = System.nanoTime() + STALL_TIMEOUT.toNanos();
        while (started.done() < count) {
            if (System.nanoTime() > deadline) {
                throw new TimeoutException(started.done() + " of " + count + " urgent tasks started");
            }
            LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
        }
    }

    /** How many urgent tasks started within each bound, in milliseconds (the last bucket is open). */
    private static Map<String, Integer> histogram(double[] sorted) {
        double[] bounds = { 1, 2, 5, 10, 20, 50, 100, 200, 500 };
        Map<String, Integer> buckets = new LinkedHashMap<>();
        int i = 0;
        for (double bound : bounds) {
            int count = 0;
            while (i < sorted.length && sorted[i] <= bound) {
                count++;
                i++;
            }
            buckets.put("<=" + (int) bound, count);
        }
        buckets.put(">" + (int) bounds[bounds.length - 1], sorted.length - i);
        return buckets;
    }

    private static double round(double millis) {
        return Math.round(millis * 10) / 10.0;
    }
}
