package dev.apalis.benchmarks.jobrunr;

import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

import org.jobrunr.scheduling.JobScheduler;
import org.jobrunr.storage.StorageProvider;
import org.jobrunr.utils.mapper.JsonMapper;

import com.zaxxer.hikari.HikariDataSource;

import dev.apalis.benchmarks.BenchmarkDatabase;
import dev.apalis.benchmarks.Measure;
import dev.apalis.benchmarks.ParallelPush;
import dev.apalis.benchmarks.Scenario;
import dev.apalis.benchmarks.Workload;

/**
 * JobRunr push throughput through a {@code JobScheduler}: {@code enqueue} one job per call, then the
 * stream {@code enqueue} with one stream per batch, each into empty tables.
 */
public final class JobRunrPushScenario implements Scenario {

    private final BenchmarkDatabase database;

    public JobRunrPushScenario(BenchmarkDatabase database) {
        this.database = database;
    }

    @Override
    public String system() {
        return "JobRunr";
    }

    @Override
    public Set<Measure> measures() {
        return EnumSet.of(Measure.PUSH_ONE, Measure.PUSH_ONE_P99, Measure.PUSH_BATCH);
    }

    @Override
    public Map<Measure, Double> run(Workload workload) throws Exception {
        Map<Measure, Double> result = new EnumMap<>(Measure.class);
        JsonMapper json = JobRunrSetup.jsonMapper();
        HikariDataSource pool = database.pool("bench-jobrunr", JobRunrSetup.SCHEMA, workload.poolSize());
        try {
            StorageProvider storage = JobRunrSetup.freshStorage(database, pool, json);
            try {
                JobScheduler scheduler = new JobScheduler(storage);
                ParallelPush.Timed single = ParallelPush.timed(workload.pushTasks(), workload.threads(), 1,
                        (from, to) -> JobRunrSetup.enqueue(scheduler, from));
                result.put(Measure.PUSH_ONE, single.rate());
                result.put(Measure.PUSH_ONE_P99, single.p99Millis());
            }
            finally {
                storage.close();
            }
            storage = JobRunrSetup.freshStorage(database, pool, json);
            try {
                JobScheduler scheduler = new JobScheduler(storage);
                result.put(Measure.PUSH_BATCH, ParallelPush.run(workload.pushTasks(), workload.threads(),
                        workload.batchSize(), (from, to) -> JobRunrSetup.enqueue(scheduler, from, to)));
            }
            finally {
                storage.close();
            }
            return result;
        }
        finally {
            database.release(pool);
            database.dropSchema(JobRunrSetup.SCHEMA);
        }
    }
}
