package dev.apalis.benchmarks.apalis;

import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import com.zaxxer.hikari.HikariDataSource;

import dev.apalis.backend.postgres.PostgresStorage;
import dev.apalis.benchmarks.BenchmarkDatabase;
import dev.apalis.benchmarks.BenchmarkOptions;
import dev.apalis.benchmarks.CompletionTracker;
import dev.apalis.benchmarks.CpuClock;
import dev.apalis.benchmarks.ParallelPush;
import dev.apalis.benchmarks.Rates;
import dev.apalis.benchmarks.TaskProbe;
import dev.apalis.benchmarks.ThreadCpu;
import dev.apalis.benchmarks.Workload;
import dev.apalis.worker.WorkerContext;

/**
 * The diagnosis mode: one Apalis drain per prefetch setting through a {@link MeteredBackend}, printing
 * where the time goes: the rate, CPU per task in the JVM and in PostgreSQL, how many tasks each claim and
 * each completion carried, and how long they took; then single pushes with notifications on and off.
 */
public final class ApalisDiagnosis {

    private static final int WARM_UP_TASKS = 5_000;

    private ApalisDiagnosis() {
    }

    /** Counts handlers running at once and keeps the peak. */
    private static final class RunningGauge implements TaskProbe {

        private final AtomicInteger running = new AtomicInteger();

        private final AtomicInteger peak = new AtomicInteger();

        @Override
        public void started(int n) {
            peak.accumulateAndGet(running.incrementAndGet(), Math::max);
        }

        @Override
        public void finished(int n) {
            running.decrementAndGet();
        }

        int peak() {
            return peak.get();
        }
    }

    /**
     * Runs a drain per prefetch setting and prints the figures.
     * @param database the database
     * @param workload tasks, threads and batch size
     * @param prefetches the prefetch settings to try ({@link BenchmarkOptions#ADAPTIVE_PREFETCH} for the default)
     * @param out where the figures go
     * @throws Exception if a drain fails
     */
    public static void run(BenchmarkDatabase database, Workload workload, List<Integer> prefetches, PrintStream out)
            throws Exception {
        long postgresPid = database.postmasterPid();
        out.println("Warming up (one untimed drain per prefetch setting)...");
        for (int prefetch : prefetches) {
            drain(database, workload.warmUp(WARM_UP_TASKS), prefetch, postgresPid, null);
        }
        for (int prefetch : prefetches) {
            drain(database, workload, prefetch, postgresPid, out);
        }
        pushes(database, workload, out);
    }

    /**
     * Pushes one task per call with notifications on (the default) and off, to show what the NOTIFY
     * sent with every push costs: PostgreSQL serializes the commits of transactions that notify.
     */
    private static void pushes(BenchmarkDatabase database, Workload workload, PrintStream out) throws Exception {
        out.printf("%nApalis push, one per call, %,d tasks, %d threads:%n", workload.pushTasks(), workload.threads());
        for (boolean notifications : new boolean[] { true, false, true, false }) {
            HikariDataSource pool = database.pool("bench-apalis", null, workload.poolSize());
            database.dropSchema(ApalisSetup.SCHEMA);
            try (PostgresStorage storage = PostgresStorage.builder(pool)
                .schema(ApalisSetup.SCHEMA)
                .notifications(notifications)
                .build()) {
                double rate = ParallelPush.run(workload.pushTasks(), workload.threads(), 1,
                        (from, to) -> storage.push(ApalisSetup.task(from)));
                out.printf("  notifications %-3s %,8.0f tasks/s%n", notifications ? "on" : "off", rate);
            }
            finally {
                database.release(pool);
                database.dropSchema(ApalisSetup.SCHEMA);
            }
        }
    }

    private static void drain(BenchmarkDatabase database, Workload workload, int prefetch, long postgresPid,
            PrintStream out) throws Exception {
        HikariDataSource pool = database.pool("bench-apalis", null, workload.poolSize());
        try (PostgresStorage storage = ApalisSetup.freshStorage(database, pool)) {
            ApalisSetup.fill(storage, workload.tasks(), workload.threads(), workload.batchSize());
            database.settle(ApalisSetup.SCHEMA);
            MeteredBackend metered = new MeteredBackend(storage);
            CompletionTracker acks = new CompletionTracker(workload.tasks());
            RunningGauge gauge = new RunningGauge();
            ThreadCpu threadsBefore = ThreadCpu.snapshot();
            long jvmStart = CpuClock.jvmNanos();
            long postgresStart = CpuClock.postgresNanos(postgresPid);
            long start = System.nanoTime();
            WorkerContext worker = ApalisSetup
                .worker(metered, workload.threads(), prefetch, gauge, acks)
                .start();
            long end;
            long jvm;
            long postgres;
            Map<String, Long> byThread;
            try {
                end = acks.awaitAll(Duration.ofSeconds(30));
                jvm = CpuClock.jvmNanos() - jvmStart;
                postgres = CpuClock.postgresNanos(postgresPid) - postgresStart;
                byThread = ThreadCpu.snapshot().since(threadsBefore);
            }
            finally {
                ApalisSetup.stop(worker);
            }
            if (out == null) {
                return;
            }
            double seconds = (end - start) / 1e9;
            out.printf("%nApalis drain, %,d tasks, concurrency %d, prefetch %s: %,.0f tasks/s in %.2f s%n",
                    workload.tasks(), workload.threads(),
                    (prefetch == BenchmarkOptions.ADAPTIVE_PREFETCH) ? "adaptive" : String.valueOf(prefetch),
                    Rates.perSecond(workload.tasks(), start, end),
                    seconds);
            out.printf("  CPU per task: JVM %.0f us, PostgreSQL %.0f us (JVM %.0f%%, PostgreSQL %.0f%% of %d cores)%n",
                    jvm / 1e3 / workload.tasks(), postgres / 1e3 / workload.tasks(),
                    100.0 * jvm / (seconds * 1e9) / Runtime.getRuntime().availableProcessors(),
                    100.0 * postgres / (seconds * 1e9) / Runtime.getRuntime().availableProcessors(),
                    Runtime.getRuntime().availableProcessors());
            for (Map.Entry<String, MeteredBackend.Call> call : metered.calls().entrySet()) {
                MeteredBackend.Call figures = call.getValue();
                out.printf("  %-14s %,8d calls  %7.2f ms each  %8.0f ms total  %6.1f tasks each%n", call.getKey(),
                        figures.count(), figures.meanMillis(), figures.totalMillis(), figures.meanItems());
            }
            long javaThreads = byThread.values().stream().mapToLong(Long::longValue).sum();
            StringBuilder threads = new StringBuilder();
            byThread.entrySet().stream().limit(6).forEach(entry -> threads.append(String.format(" %s %.0f us,",
                    entry.getKey(), entry.getValue() / 1e3 / workload.tasks())));
            out.printf("  JVM CPU per task by thread:%s other (JIT, GC, VM) %.0f us%n", threads,
                    (jvm - javaThreads) / 1e3 / workload.tasks());
            out.printf("  most handlers running at once: %d (concurrency %d)%n", gauge.peak(), workload.threads());
            out.println("  claim sizes (tasks: claims): " + metered.claimSizes());
            out.println("  completion sizes (outcomes: calls): " + metered.completionSizes());
        }
        finally {
            database.release(pool);
            database.dropSchema(ApalisSetup.SCHEMA);
        }
    }
}
