package dev.apalis.benchmarks.apalis;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

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
 * (emitted after the acknowledgement is written). Afterwards every task must be {@code DONE}, or, with
 * a done retention of zero (the history db-scheduler keeps: none), gone.
 */
public final class ApalisDrainScenario implements Scenario {

    private static final Duration STALL_TIMEOUT = Duration.ofSeconds(30);

    /** The system name of the drain that keeps no done task. */
    public static final String KEEPING_NO_DONE_TASK = "Apalis, done retention 0";

    private final BenchmarkDatabase database;

    private final int prefetch;

    private final boolean keepDone;

    private ApalisDrainScenario(BenchmarkDatabase database, int prefetch, boolean keepDone) {
        this.database = database;
        this.prefetch = prefetch;
        this.keepDone = keepDone;
    }

    /**
     * The defaults: adaptive prefetch, done tasks kept for a day.
     * @param database the database
     * @return the scenario
     */
    public static ApalisDrainScenario defaults(BenchmarkDatabase database) {
        return new ApalisDrainScenario(database, BenchmarkOptions.ADAPTIVE_PREFETCH, true);
    }

    /**
     * A worker with a fixed prefetch.
     * @param database the database
     * @param prefetch tasks claimed ahead of free slots (0: only for free slots)
     * @return the scenario
     */
    public static ApalisDrainScenario prefetch(BenchmarkDatabase database, int prefetch) {
        return new ApalisDrainScenario(database, prefetch, true);
    }

    /**
     * The defaults but a done retention of zero: a success deletes its task's row.
     * @param database the database
     * @return the scenario
     */
    public static ApalisDrainScenario keepingNoDoneTask(BenchmarkDatabase database) {
        return new ApalisDrainScenario(database, BenchmarkOptions.ADAPTIVE_PREFETCH, false);
    }

    @Override
    public String system() {
        if (!keepDone) {
            return KEEPING_NO_DONE_TASK;
        }
        return (prefetch == BenchmarkOptions.ADAPTIVE_PREFETCH) ? "Apalis" : "Apalis, prefetch " + prefetch;
    }

    @Override
    public Set<Measure> measures() {
        return EnumSet.of(Measure.DRAIN);
    }

    @Override
    public Map<Measure, Double> run(Workload workload) throws Exception {
        HikariDataSource pool = database.pool("bench-apalis", null, workload.poolSize());
        try (PostgresStorage storage = ApalisSetup.freshStorage(database, pool,
                keepDone ? PostgresStorage.DEFAULT_DONE_RETENTION : Duration.ZERO)) {
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
            long done = count(storage, TaskStatus.DONE::equals);
            long expected = keepDone ? workload.tasks() : 0;
            long stored = count(storage, status -> true);
            if (done != expected || stored != expected) {
                throw new IllegalStateException("Apalis acknowledged every task but " + stored + " are stored, " + done
                        + " of them DONE, instead of " + expected);
            }
            return Map.of(Measure.DRAIN, Rates.perSecond(workload.tasks(), start, end));
        }
        finally {
            database.release(pool);
            database.dropSchema(ApalisSetup.SCHEMA);
        }
    }

    private static long count(PostgresStorage storage, Predicate<TaskStatus> status) {
        return storage.countByQueueAndStatus().stream()
            .filter(count -> status.test(count.status()))
            .mapToLong(QueueCount::count)
            .sum();
    }
}
