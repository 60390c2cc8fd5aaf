package dev.apalis.benchmarks.jobrunr;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

import org.jobrunr.scheduling.JobScheduler;
import org.jobrunr.server.BackgroundJobServer;
import org.jobrunr.storage.StorageProvider;
import org.jobrunr.utils.mapper.JsonMapper;

import com.zaxxer.hikari.HikariDataSource;

import dev.apalis.benchmarks.BenchmarkDatabase;
import dev.apalis.benchmarks.LatencyProbe;
import dev.apalis.benchmarks.Measure;
import dev.apalis.benchmarks.Scenario;
import dev.apalis.benchmarks.Workload;

/**
 * JobRunr latency at low load: a running background job server while jobs are enqueued one by one at a
 * steady rate; enqueue call to job start. Jobs wait for the server's next poll; the pushes span at least
 * one poll interval so that they land at every phase of the polling.
 */
public final class JobRunrLatencyScenario implements Scenario {

    private final BenchmarkDatabase database;

    private final Duration pollInterval;

    public JobRunrLatencyScenario(BenchmarkDatabase database, Duration pollInterval) {
        this.database = database;
        this.pollInterval = pollInterval;
    }

    @Override
    public String system() {
        return "JobRunr";
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
        JsonMapper json = JobRunrSetup.jsonMapper();
        HikariDataSource pool = database.pool("bench-jobrunr", JobRunrSetup.SCHEMA, workload.poolSize());
        StorageProvider storage = null;
        LatencyProbe probe = new LatencyProbe(workload.latencyTasksFor(pollInterval));
        try {
            storage = JobRunrSetup.freshStorage(database, pool, json);
            JobScheduler scheduler = new JobScheduler(storage);
            BackgroundJobServer server = JobRunrSetup.server(storage, json, workload.threads(), pollInterval, null);
            JobRunrNoop.probe(probe);
            server.start();
            try {
                Thread.sleep(LatencyProbe.IDLE_BEFORE_PUSH.toMillis());
                return probe.measure(workload.latencyRate(), n -> JobRunrSetup.enqueue(scheduler, n),
                        pollInterval.multipliedBy(3).plusSeconds(30));
            }
            finally {
                server.stop();
            }
        }
        finally {
            JobRunrNoop.probe(null);
            if (storage != null) {
                storage.close();
            }
            database.release(pool);
            database.dropSchema(JobRunrSetup.SCHEMA);
        }
    }
}
