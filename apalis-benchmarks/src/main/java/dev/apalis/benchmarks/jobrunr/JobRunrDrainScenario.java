package dev.apalis.benchmarks.jobrunr;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

import org.jobrunr.server.BackgroundJobServer;
import org.jobrunr.storage.StorageProvider;
import org.jobrunr.utils.mapper.JsonMapper;

import com.zaxxer.hikari.HikariDataSource;

import dev.apalis.benchmarks.BenchmarkDatabase;
import dev.apalis.benchmarks.CompletionTracker;
import dev.apalis.benchmarks.Measure;
import dev.apalis.benchmarks.Rates;
import dev.apalis.benchmarks.Scenario;
import dev.apalis.benchmarks.Workload;

/**
 * JobRunr drain throughput: the workload's jobs are enqueued first, then one background job server with
 * the workload's threads as workers runs them; timed from {@code start()} to the last job saved as
 * SUCCEEDED. Afterwards every job must be SUCCEEDED in the table.
 */
public final class JobRunrDrainScenario implements Scenario {

    private final BenchmarkDatabase database;

    private final Duration pollInterval;

    public JobRunrDrainScenario(BenchmarkDatabase database, Duration pollInterval) {
        this.database = database;
        this.pollInterval = pollInterval;
    }

    @Override
    public String system() {
        return "JobRunr";
    }

    @Override
    public Set<Measure> measures() {
        return EnumSet.of(Measure.DRAIN);
    }

    @Override
    public Map<Measure, Double> run(Workload workload) throws Exception {
        JsonMapper json = JobRunrSetup.jsonMapper();
        HikariDataSource pool = database.pool("bench-jobrunr", JobRunrSetup.SCHEMA, workload.poolSize());
        StorageProvider storage = null;
        try {
            storage = JobRunrSetup.freshStorage(database, pool, json);
            JobRunrSetup.fill(storage, workload.tasks(), workload.threads(), workload.batchSize());
            database.settle(JobRunrSetup.SCHEMA);
            CompletionTracker acks = new CompletionTracker(workload.tasks());
            BackgroundJobServer server = JobRunrSetup.server(storage, json, workload.threads(), pollInterval, acks);
            long start = System.nanoTime();
            server.start();
            long end;
            try {
                end = acks.awaitAll(pollInterval.multipliedBy(3).plusSeconds(30));
            }
            finally {
                server.stop();
            }
            long succeeded = JobRunrSetup.countSucceeded(database);
            if (succeeded != workload.tasks()) {
                throw new IllegalStateException("JobRunr reported every job done but " + succeeded + " of "
                        + workload.tasks() + " are SUCCEEDED");
            }
            return Map.of(Measure.DRAIN, Rates.perSecond(workload.tasks(), start, end));
        }
        finally {
            if (storage != null) {
                storage.close();
            }
            database.release(pool);
            database.dropSchema(JobRunrSetup.SCHEMA);
        }
    }
}
