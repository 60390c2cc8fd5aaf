package dev.apalis.benchmarks.dbscheduler;

import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.task.helper.OneTimeTask;
import com.zaxxer.hikari.HikariDataSource;

import dev.apalis.benchmarks.BenchmarkDatabase;
import dev.apalis.benchmarks.LatencyProbe;
import dev.apalis.benchmarks.Measure;
import dev.apalis.benchmarks.Scenario;
import dev.apalis.benchmarks.Workload;

/**
 * db-scheduler latency at low load: a running scheduler (default {@code fetch} polling) while instances
 * are scheduled for now, one by one at a steady rate, through the scheduler itself; schedule call to
 * handler start. Immediate execution is off, as by default, so a task waits for the next poll; the pushes
 * span at least one polling interval so that they land at every phase of the polling.
 */
public final class DbSchedulerLatencyScenario implements Scenario {

    private final BenchmarkDatabase database;

    private final Duration pollingInterval;

    public DbSchedulerLatencyScenario(BenchmarkDatabase database, Duration pollingInterval) {
        this.database = database;
        this.pollingInterval = pollingInterval;
    }

    @Override
    public String system() {
        return "db-scheduler, fetch";
    }

    @Override
    public Set<Measure> measures() {
        return EnumSet.of(Measure.LATENCY_P50, Measure.LATENCY_P95, Measure.LATENCY_P99);
    }

    @Override
    public boolean warmsUp() {
        return false;
    }

    @Override
    public Map<Measure, Double> run(Workload workload) throws Exception {
        HikariDataSource pool = database.pool("bench-dbscheduler", DbSchedulerSetup.SCHEMA, workload.poolSize());
        try {
            DbSchedulerSetup.createTable(database);
            LatencyProbe probe = new LatencyProbe(workload.latencyTasksFor(pollingInterval));
            OneTimeTask<Integer> task = DbSchedulerSetup.task(probe);
            Scheduler scheduler = DbSchedulerSetup.scheduler(pool, task, workload.threads(), false, pollingInterval,
                    null);
            scheduler.start();
            try {
                Thread.sleep(LatencyProbe.IDLE_BEFORE_PUSH.toMillis());
                return probe.measure(workload.latencyRate(),
                        n -> scheduler.schedule(DbSchedulerSetup.instance(task, n), Instant.now()),
                        pollingInterval.multipliedBy(3).plusSeconds(30));
            }
            finally {
                scheduler.stop();
            }
        }
        finally {
            database.release(pool);
            database.dropSchema(DbSchedulerSetup.SCHEMA);
        }
    }
}
