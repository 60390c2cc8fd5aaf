package dev.apalis.benchmarks.apalis;

import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

import com.zaxxer.hikari.HikariDataSource;

import dev.apalis.backend.postgres.PostgresStorage;
import dev.apalis.benchmarks.BenchmarkDatabase;
import dev.apalis.benchmarks.Measure;
import dev.apalis.benchmarks.ParallelPush;
import dev.apalis.benchmarks.Scenario;
import dev.apalis.benchmarks.Workload;

/**
 * Apalis push throughput: {@code push} one task per call, then {@code pushAll} in batches, each into an
 * empty table, from the workload's threads.
 */
public final class ApalisPushScenario implements Scenario {

    private final BenchmarkDatabase database;

    public ApalisPushScenario(BenchmarkDatabase database) {
        this.database = database;
    }

    @Override
    public String system() {
        return "Apalis";
    }

    @Override
    public Set<Measure> measures() {
        return EnumSet.of(Measure.PUSH_ONE, Measure.PUSH_ONE_P99, Measure.PUSH_BATCH);
    }

    @Override
    public Map<Measure, Double> run(Workload workload) throws Exception {
        Map<Measure, Double> result = new EnumMap<>(Measure.class);
        HikariDataSource pool = database.pool("bench-apalis", null, workload.poolSize());
        try {
            try (PostgresStorage storage = ApalisSetup.freshStorage(database, pool)) {
                ParallelPush.Timed single = ParallelPush.timed(workload.pushTasks(), workload.threads(), 1,
                        (from, to) -> storage.push(ApalisSetup.task(from)));
                result.put(Measure.PUSH_ONE, single.rate());
                result.put(Measure.PUSH_ONE_P99, single.p99Millis());
            }
            try (PostgresStorage storage = ApalisSetup.freshStorage(database, pool)) {
                result.put(Measure.PUSH_BATCH, ParallelPush.run(workload.pushTasks(), workload.threads(),
                        workload.batchSize(), (from, to) -> storage.pushAll(ApalisSetup.tasks(from, to))));
            }
            return result;
        }
        finally {
            database.release(pool);
            database.dropSchema(ApalisSetup.SCHEMA);
        }
    }
}
