package dev.apalis.benchmarks.apalis;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

import com.zaxxer.hikari.HikariDataSource;

import dev.apalis.backend.postgres.PostgresStorage;
import dev.apalis.benchmarks.BenchmarkDatabase;
import dev.apalis.benchmarks.BenchmarkOptions;
import dev.apalis.benchmarks.LatencyProbe;
import dev.apalis.benchmarks.Measure;
import dev.apalis.benchmarks.Scenario;
import dev.apalis.benchmarks.Workload;
import dev.apalis.worker.WorkerContext;

/**
 * Apalis latency at low load: an idle worker (woken by LISTEN/NOTIFY, polling every second as a
 * fallback, the defaults) while tasks are pushed one by one at a steady rate; push call to handler start.
 */
public final class ApalisLatencyScenario implements Scenario {

    private static final Duration STALL_TIMEOUT = Duration.ofSeconds(30);

    private final BenchmarkDatabase database;

    public ApalisLatencyScenario(BenchmarkDatabase database) {
        this.database = database;
    }

    @Override
    public String system() {
        return "Apalis";
    }

    @Override
    public Set<Measure> measures() {
        return EnumSet.of(Measure.LATENCY_P50, Measure.LATENCY_P95, Measure.LATENCY_P99);
    }

    @Override
    public Map<Measure, Double> run(Workload workload) throws Exception {
        HikariDataSource pool = database.pool("bench-apalis", null, workload.poolSize());
        try (PostgresStorage storage = ApalisSetup.freshStorage(database, pool)) {
            LatencyProbe probe = new LatencyProbe(workload.latencyTasks());
            WorkerContext worker = ApalisSetup.worker(storage, workload.threads(), BenchmarkOptions.ADAPTIVE_PREFETCH, probe, null).start();
            try {
                Thread.sleep(LatencyProbe.IDLE_BEFORE_PUSH.toMillis());
                return probe.measure(workload.latencyRate(), n -> storage.push(ApalisSetup.task(n)), STALL_TIMEOUT);
            }
            finally {
                ApalisSetup.stop(worker);
            }
        }
        finally {
            database.release(pool);
            database.dropSchema(ApalisSetup.SCHEMA);
        }
    }
}
