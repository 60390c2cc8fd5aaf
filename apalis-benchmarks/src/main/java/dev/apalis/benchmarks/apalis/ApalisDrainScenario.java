package dev.apalis.benchmarks.apalis;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

import com.zaxxer.hikari.HikariDataSource;

import dev.apalis.backend.QueueCount;
import dev.apalis.backend.postgres.PostgresStorage;
import dev.apalis.benchmarks.BenchmarkDatabase;
import dev.apalis.benchmarks.BenchmarkOptions;
import dev.apalis.benchmarks.CompletionTracker;
import dev.apalis.benchmarks.Measure;
import dev.apalis.benchmarks.Rates;
import dev.apalis.benchmarks.Scenario;
import dev.apalis.benchmarks.TaskProbe;
import dev.apalis.benchmarks.Workload;
import dev.apalis.task.TaskStatus;
import dev.apalis.worker.WorkerContext;

/**
 * Apalis drain throughput: the workload's tasks are queued first, then one worker with the workload's
 * threads as concurrency runs them; timed from {@code start()} to the last {@code TaskSucceeded} event
 * (emitted after the acknowledgement is written). Afterwards every task must be {@code DONE}.
 */
public final class ApalisDrainScenario implements Scenario {

    private static final Duration STALL_TIMEOUT = Duration.ofSeconds(30);

    private final BenchmarkDatabase database;

    private final int prefetch;

    /**
     * A worker with the default, adaptive prefetch.
     * @param database the database
     */
    public ApalisDrainScenario(BenchmarkDatabase database) {
        this(database, BenchmarkOptions.ADAPTIVE_PREFETCH);
    }

    /**
     * A worker with a fixed prefetch.
     * @param database the database
     * @param prefetch tasks claimed ahead of free slots (0: only for free slots)
     */
    public ApalisDrainScenario(BenchmarkDatabase database, int prefetch) {
        this.database = database;
        this.prefetch = prefetch;
    }

    @Override
    public String system() {
        return (prefetch == BenchmarkOptions.ADAPTIVE_PREFETCH) ? "Apalis" : "Apalis, prefetch " + prefetch;
    }

    @Override
    public Set<Measure> measures() {
        return EnumSet.of(Measure.DRAIN);
    }

    @Override
    public Map<Measure, Double> run(Workload workload) throws Exception {
        HikariDataSource pool = database.pool("bench-apalis", null, workload.poolSize());
        try (PostgresStorage storage = ApalisSetup.freshStorage(database, pool)) {
            ApalisSetup.fill(storage, workload.tasks(), workload.threads(), workload.batchSize());
            database.settle(ApalisSetup.SCHEMA);
            CompletionTracker acks = new CompletionTracker(workload.tasks());
            long start = System.nanoTime();
            WorkerContext worker = ApalisSetup.worker(storage, workload.threads(), prefetch, TaskProbe.NONE, acks)
                .start();
            long end;
            try {
                end = acks.awaitAll(STALL_TIMEOUT);
            }
            finally {
                ApalisSetup.stop(worker);
            }
            long done = storage.countByQueueAndStatus().stream()
                .filter(count -> count.status() == TaskStatus.DONE)
                .mapToLong(QueueCount::count)
                .sum();
            if (done != workload.tasks()) {
                throw new IllegalStateException("Apalis acknowledged every task but " + done + " of "
                        + workload.tasks() + " are DONE");
            }
            return Map.of(Measure.DRAIN, Rates.perSecond(workload.tasks(), start, end));
        }
        finally {
            database.release(pool);
            database.dropSchema(ApalisSetup.SCHEMA);
        }
    }
}
