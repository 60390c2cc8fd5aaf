package dev.apalis.benchmarks.apalis;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;

import dev.apalis.backend.postgres.PostgresStorage;
import dev.apalis.benchmarks.BenchmarkDatabase;
import dev.apalis.benchmarks.CpuClock;
import dev.apalis.benchmarks.ParallelPush;
import dev.apalis.benchmarks.ServerActivity;
import dev.apalis.benchmarks.StatementCounter;
import dev.apalis.benchmarks.Workload;
import dev.apalis.benchmarks.dbscheduler.DbSchedulerPushScenario;

/**
 * Why single pushes cost what they cost: 8 threads push one task per call with several settings of the
 * storage, round-robin beside db-scheduler's {@code schedule}, and for each run: the rate, the mean and
 * p99 of a call, tasks per insert statement, statements, commits and WAL flushes per push (statements
 * counted by a {@link StatementCounter} around the pool, commits and flushes read from the server's
 * statistics), and the CPU per push of this JVM, of the run's PostgreSQL backends and of the server's
 * WAL writer, background writer and checkpointer. Run it with:
 * <pre>
 * java -cp 'apalis-benchmarks/target/apalis-benchmarks.jar:apalis-benchmarks/target/lib/*' \
 *     dev.apalis.benchmarks.apalis.SinglePushDiagnosis [tasks] [repeats] [jdbc-url]
 * </pre>
 * Without a URL it starts an embedded PostgreSQL 17 ({@code fsync} off). The backends' CPU is that of every
 * client backend of the URL's database, and the commits those of that database: give it a database of its
 * own (with {@code track_wal_io_timing} on for that database, the mean time of a WAL flush is reported too).
 * The WAL counters are the whole server's; each run prints the process ids of its backends, so that a
 * tracer such as {@code perf trace -e fdatasync} can tell which flushes were the run's own.
 */
public final class SinglePushDiagnosis {

    private static final Duration BACKENDS_GONE = Duration.ofSeconds(10);

    private SinglePushDiagnosis() {
    }

    /**
     * Runs the diagnosis.
     * @param args tasks per run (10,000), repeats (3), a JDBC URL (none: embedded; {@code -Dfsync=true} for
     * fsync on); {@code -Dvariants=default,quiet} runs only some of the storage's settings: {@code default}
     * (group insert, notifications), {@code quiet} (group insert, no notifications), {@code single} (no group
     * insert) and {@code single-quiet} (neither); {@code -Dpeer=false} leaves out db-scheduler;
     * {@code -Dthreads=1} pushes from that many threads instead of 8
     * @throws Exception when a run fails
     */
    public static void main(String[] args) throws Exception {
        int tasks = (args.length > 0) ? Integer.parseInt(args[0]) : 10_000;
        int repeats = (args.length > 1) ? Integer.parseInt(args[1]) : 3;
        String url = (args.length > 2) ? args[2] : null;
        boolean fsync = Boolean.getBoolean("fsync");
        try (BenchmarkDatabase database = BenchmarkDatabase.open(url, "postgres", "", fsync)) {
            run(database, tasks, repeats, System.out);
        }
    }

    static void run(BenchmarkDatabase database, int tasks, int repeats, PrintStream out) throws Exception {
        int threads = Integer.getInteger("threads", 8);
        Workload workload = new Workload(2_000, threads, tasks, 500, 100, 200);
        out.println("Database: " + database.location() + " " + database.describe());
        Map<String, Function<PostgresStorage.Builder, PostgresStorage.Builder>> variants = new LinkedHashMap<>();
        List<String> chosen = List.of(System.getProperty("variants", "default,quiet,single,single-quiet").split(","));
        if (chosen.contains("default")) {
            variants.put("default (group insert, notifications)", builder -> builder);
        }
        if (chosen.contains("quiet")) {
            variants.put("group insert, no notifications", builder -> builder.notifications(false));
        }
        if (chosen.contains("single")) {
            variants.put("no group insert, notifications", builder -> builder.groupInsert(false));
        }
        if (chosen.contains("single-quiet")) {
            variants.put("no group insert, no notifications",
                    builder -> builder.groupInsert(false).notifications(false));
        }
        Map<String, List<String>> results = new LinkedHashMap<>();
        for (int round = 0; round <= repeats; round++) {
            boolean warmUp = round == 0;
            Workload now = warmUp ? new Workload(2_000, threads, 2_000, 500, 100, 200) : workload;
            if (Boolean.parseBoolean(System.getProperty("peer", "true"))) {
                HikariDataSource peerPool = DbSchedulerPushScenario.pool(database, now);
                record(out, results, warmUp, "db-scheduler schedule", measure(database, peerPool, now,
                        counted -> DbSchedulerPushScenario.singlePush(database, counted)::run, out));
                database.dropSchema("bench_dbscheduler");
            }
            for (Map.Entry<String, Function<PostgresStorage.Builder, PostgresStorage.Builder>> variant
                    : variants.entrySet()) {
                database.dropSchema(ApalisSetup.SCHEMA);
                HikariDataSource pool = database.pool("diag-apalis", null, now.poolSize());
                record(out, results, warmUp, variant.getKey(), measure(database, pool, now, counted -> {
                    PostgresStorage storage = variant.getValue()
                        .apply(PostgresStorage.builder(counted).schema(ApalisSetup.SCHEMA))
                        .build();
                    return (Workload w) -> {
                        try (storage) {
                            return ParallelPush.timed(w.pushTasks(), w.threads(), 1,
                                    (from, to) -> storage.push(ApalisSetup.task(from)));
                        }
                    };
                }, out));
            }
        }
        out.println();
        out.println("Runs: tasks/s; mean and p99 of a call; tasks per insert statement; per push: statements, "
                + "commits, WAL flushes, WAL bytes; mean WAL flush; CPU per push of the JVM, the backends and the "
                + "WAL writer, background writer and checkpointer");
        results.forEach((name, runs) -> {
            out.println("  " + name);
            runs.forEach(run -> out.println("    " + run));
        });
    }

    /** A run prepared on a counted data source. */
    @FunctionalInterface
    private interface Prepared {

        ParallelPush.Timed run(Workload workload) throws Exception;
    }

    @FunctionalInterface
    private interface Preparation {

        Prepared prepare(DataSource counted) throws Exception;
    }

    private static Cost measure(BenchmarkDatabase database, HikariDataSource pool, Workload workload,
            Preparation preparation, PrintStream out) throws Exception {
        Map<String, Long> before;
        Map<String, Long> after;
        ParallelPush.Timed timed;
        long jvm;
        long backends;
        ServerActivity serverBefore;
        try {
            StatementCounter counter = new StatementCounter();
            Prepared prepared = preparation.prepare(counter.wrap(pool));
            awaitFull(pool);
            List<Long> pids = database.backendPids();
            serverBefore = ServerActivity.now(database);
            before = counter.snapshot();
            long jvmStart = CpuClock.jvmNanos();
            long backendsStart = CpuClock.processesNanos(pids);
            timed = prepared.run(workload);
            jvm = CpuClock.jvmNanos() - jvmStart;
            Set<Long> all = new TreeSet<>(pids);
            all.addAll(database.backendPids());
            backends = CpuClock.processesNanos(all) - backendsStart;
            out.println("backends " + all);
            after = counter.snapshot();
        }
        finally {
            database.release(pool);
        }
        awaitBackendsGone(database);
        ServerActivity server = ServerActivity.now(database).since(serverBefore);
        int n = workload.pushTasks();
        long statements = 0;
        long inserts = 0;
        for (Map.Entry<String, Long> entry : after.entrySet()) {
            if (!entry.getKey().startsWith("(")) {
                long count = entry.getValue() - before.getOrDefault(entry.getKey(), 0L);
                statements += count;
                if (entry.getKey().contains("INSERT")) {
                    inserts += count;
                }
            }
        }
        return new Cost(timed.rate(), workload.threads() * 1000.0 / timed.rate(), timed.p99Millis(),
                n / (double) Math.max(1, inserts), statements / (double) n, server.commits() / (double) n,
                server.walFlushes() / (double) n, server.walBytes() / (double) n,
                (server.walFlushes() > 0) ? server.walFlushMillis() / server.walFlushes() : 0,
                jvm / 1000.0 / n, backends / 1000.0 / n, server.auxiliaryCpuNanos() / 1000.0 / n);
    }

    /** Waits until the pool has opened all its connections, so that their backends are known before the run. */
    private static void awaitFull(HikariDataSource pool) throws InterruptedException {
        long deadline = System.nanoTime() + BACKENDS_GONE.toNanos();
        while (pool.getHikariPoolMXBean().getTotalConnections() < pool.getMaximumPoolSize()
                && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
    }

    /** Waits until the run's backends exited, so that the statistics they held are reported. */
    private static void awaitBackendsGone(BenchmarkDatabase database) throws InterruptedException {
        long deadline = System.nanoTime() + BACKENDS_GONE.toNanos();
        while (!database.backendPids().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
    }

    private static void record(PrintStream out, Map<String, List<String>> results, boolean warmUp, String name,
            Cost cost) {
        String line = cost.toString();
        out.printf("%s%-42s %s (load %.1f)%n", warmUp ? "[warm-up] " : "", name, line, load());
        if (!warmUp) {
            results.computeIfAbsent(name, key -> new ArrayList<>()).add(line);
        }
    }

    private static double load() {
        return java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    private record Cost(double rate, double meanMillis, double p99Millis, double tasksPerInsert,
            double statementsPerPush, double commitsPerPush, double flushesPerPush, double walBytesPerPush,
            double flushMillis, double jvmMicros, double backendsMicros, double auxiliaryMicros) {

        @Override
        public String toString() {
            return String.format("%,6.0f/s, call %.2f ms (p99 %.1f), %.1f tasks/insert, per push: %.2f statements, "
                    + "%.2f commits, %.2f flushes, %.0f WAL bytes; flush %.2f ms; CPU/push JVM %.0f us, backends %.0f us,"
                    + " wal writer etc. %.0f us", rate, meanMillis, p99Millis, tasksPerInsert, statementsPerPush,
                    commitsPerPush, flushesPerPush, walBytesPerPush, flushMillis, jvmMicros, backendsMicros,
                    auxiliaryMicros);
        }
    }
}
