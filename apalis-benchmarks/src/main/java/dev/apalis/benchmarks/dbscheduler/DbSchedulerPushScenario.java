package dev.apalis.benchmarks.dbscheduler;

import java.time.Instant;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

import javax.sql.DataSource;

import com.github.kagkarlsson.scheduler.SchedulerClient;
import com.github.kagkarlsson.scheduler.task.helper.OneTimeTask;
import com.zaxxer.hikari.HikariDataSource;

import dev.apalis.benchmarks.BenchmarkDatabase;
import dev.apalis.benchmarks.Measure;
import dev.apalis.benchmarks.ParallelPush;
import dev.apalis.benchmarks.Scenario;
import dev.apalis.benchmarks.TaskProbe;
import dev.apalis.benchmarks.Workload;

/**
 * db-scheduler push throughput through a {@code SchedulerClient}: {@code schedule} one instance per call,
 * then {@code scheduleBatch} in batches, each into an empty table.
 */
public final class DbSchedulerPushScenario implements Scenario {

    private final BenchmarkDatabase database;

    public DbSchedulerPushScenario(BenchmarkDatabase database) {
        this.database = database;
    }

    @Override
    public String system() {
        return "db-scheduler";
    }

    @Override
    public Set<Measure> measures() {
        return EnumSet.of(Measure.PUSH_ONE, Measure.PUSH_ONE_P99, Measure.PUSH_BATCH);
    }

    /**
     * A pool for db-scheduler's schema, as this scenario uses.
     * @param database the database
     * @param workload its pool size
     * @return the pool, to release with the database
     */
    public static HikariDataSource pool(BenchmarkDatabase database, Workload workload) {
        return database.pool("bench-dbscheduler", DbSchedulerSetup.SCHEMA, workload.poolSize());
    }

    /**
     * Prepares an empty table and a client, for the single-push diagnosis.
     * @param database the database
     * @param dataSource a pool from {@link #pool}, wrapped as the diagnosis likes
     * @return pushes {@code schedule} one instance per call, from the workload's threads
     */
    public static SinglePush singlePush(BenchmarkDatabase database, DataSource dataSource) {
        OneTimeTask<Integer> task = DbSchedulerSetup.task(TaskProbe.NONE);
        DbSchedulerSetup.createTable(database);
        SchedulerClient client = SchedulerClient.Builder.create(dataSource, task).build();
        return workload -> ParallelPush.timed(workload.pushTasks(), workload.threads(), 1,
                (from, to) -> client.schedule(DbSchedulerSetup.instance(task, from), Instant.now()));
    }

    /** A prepared single-push run. */
    @FunctionalInterface
    public interface SinglePush {

        ParallelPush.Timed run(Workload workload) throws Exception;
    }

    @Override
    public Map<Measure, Double> run(Workload workload) throws Exception {
        Map<Measure, Double> result = new EnumMap<>(Measure.class);
        HikariDataSource pool = pool(database, workload);
        try {
            OneTimeTask<Integer> task = DbSchedulerSetup.task(TaskProbe.NONE);
            DbSchedulerSetup.createTable(database);
            SchedulerClient client = SchedulerClient.Builder.create(pool, task).build();
            ParallelPush.Timed single = ParallelPush.timed(workload.pushTasks(), workload.threads(), 1,
                    (from, to) -> client.schedule(DbSchedulerSetup.instance(task, from), Instant.now()));
            result.put(Measure.PUSH_ONE, single.rate());
            result.put(Measure.PUSH_ONE_P99, single.p99Millis());
            DbSchedulerSetup.createTable(database);
            result.put(Measure.PUSH_BATCH, ParallelPush.run(workload.pushTasks(), workload.threads(),
                    workload.batchSize(),
                    (from, to) -> client.scheduleBatch(DbSchedulerSetup.instances(task, from, to), Instant.now())));
            return result;
        }
        finally {
            database.release(pool);
            database.dropSchema(DbSchedulerSetup.SCHEMA);
        }
    }
}
