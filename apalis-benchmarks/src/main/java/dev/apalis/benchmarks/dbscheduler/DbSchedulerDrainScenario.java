package dev.apalis.benchmarks.dbscheduler;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.task.helper.OneTimeTask;
import com.zaxxer.hikari.HikariDataSource;

import dev.apalis.benchmarks.BenchmarkDatabase;
import dev.apalis.benchmarks.CompletionTracker;
import dev.apalis.benchmarks.Measure;
import dev.apalis.benchmarks.Rates;
import dev.apalis.benchmarks.Scenario;
import dev.apalis.benchmarks.TaskProbe;
import dev.apalis.benchmarks.Workload;

/**
 * db-scheduler drain throughput: the workload's tasks are queued first, then one scheduler with the
 * workload's threads runs them; timed from {@code start()} to the last completion (a completed one-time
 * task's row is deleted before the listener hears of it). Afterwards the table must be empty.
 */
public final class DbSchedulerDrainScenario implements Scenario {

    private final BenchmarkDatabase database;

    private final boolean lockAndFetch;

    private final Duration pollingInterval;

    /**
     * @param database the database
     * @param lockAndFetch {@code lock-and-fetch} polling, or the default {@code fetch}
     * @param pollingInterval the polling interval
     */
    public DbSchedulerDrainScenario(BenchmarkDatabase database, boolean lockAndFetch, Duration pollingInterval) {
        this.database = database;
        this.lockAndFetch = lockAndFetch;
        this.pollingInterval = pollingInterval;
    }

    @Override
    public String system() {
        return lockAndFetch ? "db-scheduler, lock-and-fetch" : "db-scheduler, fetch";
    }

    @Override
    public Set<Measure> measures() {
        return EnumSet.of(Measure.DRAIN);
    }

    @Override
    public Map<Measure, Double> run(Workload workload) throws Exception {
        HikariDataSource pool = database.pool("bench-dbscheduler", DbSchedulerSetup.SCHEMA, workload.poolSize());
        try {
            DbSchedulerSetup.createTable(database);
            OneTimeTask<Integer> task = DbSchedulerSetup.task(TaskProbe.NONE);
            DbSchedulerSetup.fill(pool, task, workload.tasks(), workload.threads(), workload.batchSize());
            database.settle(DbSchedulerSetup.SCHEMA);
            CompletionTracker acks = new CompletionTracker(workload.tasks());
            Scheduler scheduler = DbSchedulerSetup.scheduler(pool, task, workload.threads(), lockAndFetch,
                    pollingInterval, acks);
            long start = System.nanoTime();
            scheduler.start();
            long end;
            try {
                end = acks.awaitAll(stallTimeout());
            }
            finally {
                scheduler.stop();
            }
            long left = DbSchedulerSetup.countRows(database);
            if (left != 0) {
                throw new IllegalStateException("db-scheduler completed every task but " + left + " rows are left");
            }
            return Map.of(Measure.DRAIN, Rates.perSecond(workload.tasks(), start, end));
        }
        finally {
            database.release(pool);
            database.dropSchema(DbSchedulerSetup.SCHEMA);
        }
    }

    private Duration stallTimeout() {
        return pollingInterval.multipliedBy(3).plusSeconds(30);
    }
}
