package dev.apalis.benchmarks.apalis;

import java.io.PrintStream;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import com.zaxxer.hikari.HikariDataSource;

import dev.apalis.backend.QueueCount;
import dev.apalis.backend.postgres.PostgresStorage;
import dev.apalis.benchmarks.BenchmarkDatabase;
import dev.apalis.benchmarks.BenchmarkOptions;
import dev.apalis.benchmarks.CompletionTracker;
import dev.apalis.benchmarks.HeapSampler;
import dev.apalis.benchmarks.ParallelPush;
import dev.apalis.benchmarks.Rates;
import dev.apalis.benchmarks.TaskProbe;
import dev.apalis.benchmarks.Workload;
import dev.apalis.task.TaskStatus;
import dev.apalis.worker.WorkerContext;

/**
 * The memory mode: queues a large number of tasks, then drains them with one default worker
 * (adaptive prefetch) while a {@link HeapSampler} watches the heap. Shows whether memory grows with
 * queue length.
 */
public final class ApalisMemoryRun {

    private static final Duration STALL_TIMEOUT = Duration.ofSeconds(60);

    private static final long MB = 1024 * 1024;

    private ApalisMemoryRun() {
    }

    /**
     * Runs it.
     * @param database the database
     * @param workload its tasks, threads and batch size are used
     * @param log where progress goes
     * @return the figures, by name
     * @throws Exception if Apalis failed or stalled
     */
    public static Map<String, Object> run(BenchmarkDatabase database, Workload workload, PrintStream log)
            throws Exception {
        Map<String, Object> figures = new LinkedHashMap<>();
        HikariDataSource pool = database.pool("bench-apalis", null, workload.poolSize());
        try (PostgresStorage storage = ApalisSetup.freshStorage(database, pool)) {
            log.printf("Queueing %,d tasks (pushAll, batches of %d, %d threads)...%n", workload.tasks(),
                    workload.batchSize(), workload.threads());
            double pushRate = ParallelPush.run(workload.tasks(), workload.threads(), workload.batchSize(),
                    (from, to) -> storage.pushAll(ApalisSetup.tasks(from, to)));
            log.printf("Queued at %,.0f tasks/s. Analyzing...%n", pushRate);
            database.settle(ApalisSetup.SCHEMA);
            System.gc();
            CompletionTracker acks = new CompletionTracker(workload.tasks());
            long start;
            long end;
            try (HeapSampler heap = HeapSampler.start()) {
                log.printf("Draining with %d threads...%n", workload.threads());
                start = System.nanoTime();
                WorkerContext worker = ApalisSetup
                    .worker(storage, workload.threads(), BenchmarkOptions.ADAPTIVE_PREFETCH, TaskProbe.NONE, acks)
                    .start();
                try {
                    end = acks.awaitAll(STALL_TIMEOUT);
                }
                finally {
                    ApalisSetup.stop(worker);
                }
                heap.close();
                figures.put("tasks", workload.tasks());
                figures.put("threads", workload.threads());
                figures.put("pushAllTasksPerSecond", Math.round(pushRate));
                figures.put("drainTasksPerSecond", Math.round(Rates.perSecond(workload.tasks(), start, end)));
                figures.put("maxHeapMb", Runtime.getRuntime().maxMemory() / MB);
                figures.put("peakHeapUsedMb", heap.peakUsedBytes() / MB);
                figures.put("peakHeapAfterGcMb", heap.peakAfterCollectionBytes() / MB);
                figures.put("sumOfHeapPoolPeaksMb", heap.sumOfPoolPeaksBytes() / MB);
            }
            long done = storage.countByQueueAndStatus().stream()
                .filter(count -> count.status() == TaskStatus.DONE)
                .mapToLong(QueueCount::count)
                .sum();
            figures.put("doneInDatabase", done);
            if (done != workload.tasks()) {
                throw new IllegalStateException(done + " of " + workload.tasks() + " tasks are DONE");
            }
            return figures;
        }
        finally {
            database.release(pool);
            database.dropSchema(ApalisSetup.SCHEMA);
        }
    }
}
