package dev.apalis.benchmarks.raw;

import java.sql.Connection;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import com.zaxxer.hikari.HikariDataSource;

import dev.apalis.benchmarks.BenchmarkDatabase;
import dev.apalis.benchmarks.Measure;
import dev.apalis.benchmarks.Rates;
import dev.apalis.benchmarks.Scenario;
import dev.apalis.benchmarks.Workload;

/**
 * The ceiling: as many threads as a worker has claim a batch of rows with {@code SKIP LOCKED}, then mark
 * them done, in a tight loop, with no library in between. What PostgreSQL itself allows on this machine.
 */
public final class RawDrainScenario implements Scenario {

    private final BenchmarkDatabase database;

    private final int batch;

    /**
     * @param database the database
     * @param batch rows per claim
     */
    public RawDrainScenario(BenchmarkDatabase database, int batch) {
        this.database = database;
        this.batch = batch;
    }

    @Override
    public String system() {
        return "raw SKIP LOCKED, batch " + batch;
    }

    @Override
    public Set<Measure> measures() {
        return EnumSet.of(Measure.DRAIN);
    }

    @Override
    public Map<Measure, Double> run(Workload workload) throws Exception {
        RawQueue.create(database);
        HikariDataSource pool = database.pool("bench-raw", null, workload.poolSize());
        ExecutorService threads = Executors.newFixedThreadPool(workload.threads());
        try {
            try (Connection connection = pool.getConnection()) {
                RawQueue.fill(connection, workload.tasks());
            }
            database.settle(RawQueue.SCHEMA);
            long start = System.nanoTime();
            List<Future<Integer>> claimers = new ArrayList<>();
            for (int t = 0; t < workload.threads(); t++) {
                String owner = "raw-" + t;
                claimers.add(threads.submit(() -> drain(pool, owner)));
            }
            int done = 0;
            for (Future<Integer> claimer : claimers) {
                try {
                    done += claimer.get();
                }
                catch (ExecutionException ex) {
                    throw (ex.getCause() instanceof Exception cause) ? cause : ex;
                }
            }
            long end = System.nanoTime();
            if (done != workload.tasks() || RawQueue.countDone(database) != workload.tasks()) {
                throw new IllegalStateException("Raw loop finished " + done + " of " + workload.tasks() + " rows");
            }
            return Map.of(Measure.DRAIN, Rates.perSecond(done, start, end));
        }
        finally {
            threads.shutdownNow();
            threads.awaitTermination(10, TimeUnit.SECONDS);
            database.release(pool);
            database.dropSchema(RawQueue.SCHEMA);
        }
    }

    private int drain(HikariDataSource pool, String owner) throws Exception {
        int done = 0;
        try (RawQueue.Claimer claimer = new RawQueue.Claimer(pool.getConnection(), owner)) {
            List<Long> ids;
            while (!(ids = claimer.claim(batch)).isEmpty()) {
                claimer.complete(ids);
                done += ids.size();
            }
        }
        return done;
    }
}
