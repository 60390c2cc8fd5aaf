package dev.apalis.benchmarks.apalis;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

import dev.apalis.backend.postgres.PostgresStorage;
import dev.apalis.benchmarks.StatementCounter;
import dev.apalis.task.NewTask;
import dev.apalis.task.TaskOptions;
import dev.apalis.worker.WorkerBuilder;
import dev.apalis.worker.WorkerContext;

/**
 * What an idle application costs PostgreSQL: one or more nodes (storages with pools of their own, each
 * with its maintenance), each with ten workers (one per queue) with nothing due and queue-depth counts
 * every 15 s as the metrics would run them, over a backlog of tasks due tomorrow, seeded in one
 * statement into the first queue (four priorities, one in ten a retry). It measures, over a window, the
 * tuples PostgreSQL read for the tasks table and its indexes ({@code pg_stat_user_tables} and
 * {@code pg_stat_user_indexes}), the CPU time of the application's server processes ({@code /proc},
 * when the server runs on this machine), and the statements the nodes sent, by kind. Then it pushes
 * tasks one at a time into an empty queue and into the queue holding the backlog, and reports the time
 * from push to handler start in each.
 * <p>
 * It works in a database of its own ({@code apalis_idle}, created on the server of the given URL) so
 * that other work on the server does not count, and reuses the backlog of a previous run of the same
 * size. Run it with:
 * <pre>
 * mvn -q -pl apalis-benchmarks -am package -DskipTests
 * java -cp 'apalis-benchmarks/target/apalis-benchmarks.jar:apalis-benchmarks/target/lib/*' \
 *     dev.apalis.benchmarks.apalis.IdleCostScenario jdbc:postgresql://127.0.0.1:5432/postgres postgres 1000000 60 10 1
 * </pre>
 * Arguments: the JDBC URL of any database on the server, the user, the backlog size (default
 * 1,000,000), the measured seconds (default 60), the number of workers per node (default 10, one per
 * queue; 0 measures the storage's maintenance and the counts alone) and the number of nodes (default 1).
 */
public final class IdleCostScenario {

    private static final String DATABASE = "apalis_idle";

    private static final String SCHEMA = "idle";

    private static final int QUEUES = 10;

    private static final Duration METRICS_INTERVAL = Duration.ofSeconds(15);

    /** The idle workers' poll interval: the worker's default, or {@code -Didle.poll=10s} to see what a longer one saves. */
    private static final Duration POLL_INTERVAL = Duration.parse("PT" + System.getProperty("idle.poll", "1s").toUpperCase());

    private static final long NANOS_PER_TICK = 10_000_000L;

    private IdleCostScenario() {
    }

    /**
     * Runs the scenario.
     * @param args the JDBC URL of any database on the server, the user, the backlog size, the measured
     * seconds, the workers per node and the nodes (storages with pools of their own in this process)
     * @throws Exception when the scenario fails
     */
    public static void main(String[] args) throws Exception {
        String url = (args.length > 0) ? args[0] : "jdbc:postgresql://127.0.0.1:5432/postgres";
        String user = (args.length > 1) ? args[1] : "postgres";
        int backlog = (args.length > 2) ? Integer.parseInt(args[2]) : 1_000_000;
        int seconds = (args.length > 3) ? Integer.parseInt(args[3]) : 60;
        int workers = (args.length > 4) ? Integer.parseInt(args[4]) : QUEUES;
        int nodes = (args.length > 5) ? Integer.parseInt(args[5]) : 1;
        run(url, user, backlog, seconds, workers, nodes, System.out);
    }

    static void run(String adminUrl, String user, int backlog, int seconds, int workerCount, int nodeCount,
            PrintStream out) throws Exception {
        String url = createDatabase(adminUrl, user);
        List<HikariDataSource> pools = new ArrayList<>();
        List<PostgresStorage> storages = new ArrayList<>();
        StatementCounter counter = new StatementCounter();
        try (Connection probe = DriverManager.getConnection(url, user, null)) {
            boolean reuse = storedTasks(probe) == backlog;
            if (!reuse) {
                execute(probe, "DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE");
            }
            for (int node = 0; node < nodeCount; node++) {
                HikariConfig config = new HikariConfig();
                config.setJdbcUrl(url);
                config.setUsername(user);
                config.setMaximumPoolSize(12);
                config.setMinimumIdle(12);
                HikariDataSource pool = new HikariDataSource(config);
                pools.add(pool);
                storages.add(PostgresStorage.builder(counter.wrap(pool)).schema(SCHEMA).build());
            }
            PostgresStorage storage = storages.get(0);
            if (reuse) {
                out.printf("Reusing the %,d tasks of the previous run%n", backlog);
            }
            else {
                fill(probe, backlog, out);
            }
            execute(probe, "VACUUM ANALYZE " + SCHEMA + ".tasks", "CHECKPOINT");
            List<WorkerContext> workers = new ArrayList<>();
            List<ScheduledExecutorService> metrics = new ArrayList<>();
            for (PostgresStorage node : storages) {
                for (int i = 0; i < workerCount; i++) {
                    workers.add(WorkerBuilder.named("idle-" + i).queue("backlog-" + i).backend(node)
                        .pollInterval(POLL_INTERVAL)
                        .build(String.class, (payload, context) -> {
                        })
                        .start());
                }
                ScheduledExecutorService gauges = Executors.newSingleThreadScheduledExecutor();
                gauges.scheduleWithFixedDelay(node::estimateByQueueAndStatus, 0, METRICS_INTERVAL.toMillis(),
                        TimeUnit.MILLISECONDS);
                metrics.add(gauges);
            }
            try {
                Thread.sleep(5_000); // let start-up work (first counts, registrations) pass
                Snapshot before = Snapshot.take(probe);
                Map<String, Long> sentBefore = counter.snapshot();
                long start = System.nanoTime();
                Thread.sleep(seconds * 1000L);
                Snapshot after = Snapshot.take(probe);
                Map<String, Long> sentAfter = counter.snapshot();
                double elapsed = (System.nanoTime() - start) / 1e9;
                report(out, backlog, nodeCount, workerCount, elapsed, before, after);
                out.println("  statements sent by the nodes, per second:");
                sentAfter.forEach((kind, count) -> {
                    long delta = count - sentBefore.getOrDefault(kind, 0L);
                    if (delta > 0) {
                        out.printf("    %-62s %8.2f%n", kind, delta / elapsed);
                    }
                });
            }
            finally {
                for (ScheduledExecutorService gauges : metrics) {
                    gauges.shutdownNow();
                }
                for (WorkerContext worker : workers) {
                    worker.stop();
                    worker.awaitTermination(Duration.ofSeconds(10));
                }
            }
            out.printf("Push to start, one task at a time (%d tasks, %d ms apart, one worker):%n", PROBES,
                    PROBE_GAP.toMillis());
            pushToStart(storage, "warm-up", "warm-up (not a result)", out);
            pushToStart(storage, "empty", "empty queue", out);
            pushToStart(storage, "backlog-0", String.format("queue with %,d tasks due tomorrow", backlog), out);
            pushToStart(storage, "empty", "empty queue, again", out);
        }
        finally {
            for (PostgresStorage node : storages) {
                node.close();
            }
            for (HikariDataSource pool : pools) {
                pool.close();
            }
        }
    }

    private static final int PROBES = 200;

    private static final Duration PROBE_GAP = Duration.ofMillis(20);

    /** Pushes tasks one at a time to an idle worker and reports the time from push to handler start. */
    private static void pushToStart(PostgresStorage storage, String queue, String what, PrintStream out)
            throws InterruptedException {
        long[] pushedAt = new long[PROBES];
        long[] startedAt = new long[PROBES];
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(PROBES);
        WorkerContext worker = WorkerBuilder.named("probe-" + queue).queue(queue).backend(storage)
            .build(Integer.class, (n, context) -> {
                startedAt[n] = System.nanoTime();
                done.countDown();
            })
            .start();
        try {
            Thread.sleep(1_000);
            for (int n = 0; n < PROBES; n++) {
                pushedAt[n] = System.nanoTime();
                storage.push(new NewTask(queue, Integer.toString(n), TaskOptions.defaults()));
                Thread.sleep(PROBE_GAP.toMillis());
            }
            if (!done.await(30, TimeUnit.SECONDS)) {
                out.printf("  %s: only %d of %d tasks started within 30 s%n", what, PROBES - done.getCount(), PROBES);
                return;
            }
        }
        finally {
            worker.stop();
            worker.awaitTermination(Duration.ofSeconds(10));
        }
        long[] micros = new long[PROBES];
        for (int n = 0; n < PROBES; n++) {
            micros[n] = (startedAt[n] - pushedAt[n]) / 1_000;
        }
        java.util.Arrays.sort(micros);
        out.printf("  %-40s p50 %6.2f ms, p99 %6.2f ms, max %6.2f ms%n", what, micros[PROBES / 2] / 1000.0,
                micros[(int) Math.ceil(PROBES * 0.99) - 1] / 1000.0, micros[PROBES - 1] / 1000.0);
    }

    /** The tasks a previous run left (due tomorrow, so still waiting), or -1 without a table. */
    private static long storedTasks(Connection probe) throws SQLException {
        try (Statement statement = probe.createStatement();
                ResultSet rows = statement.executeQuery("SELECT to_regclass('" + SCHEMA + ".tasks') IS NOT NULL")) {
            rows.next();
            if (!rows.getBoolean(1)) {
                return -1;
            }
        }
        try (Statement statement = probe.createStatement();
                ResultSet rows = statement.executeQuery("SELECT count(*) FROM " + SCHEMA + ".tasks "
                        + "WHERE queue = 'backlog-0' AND status = 'SCHEDULED' AND run_at > now() + interval '1 hour'")) {
            rows.next();
            return rows.getLong(1);
        }
    }

    /**
     * Seeds the backlog in one statement, all in the queue {@code backlog-0}: tasks due tomorrow over
     * four priorities, one in ten of them a retry (stored as a push or a retry with a long delay or
     * backoff would be, {@code SCHEDULED}).
     */
    private static void fill(Connection probe, int backlog, PrintStream out) throws SQLException {
        long start = System.nanoTime();
        execute(probe, """
                INSERT INTO %s.tasks (id, queue, payload, status, attempts, max_attempts, priority, run_at, last_error)
                SELECT gen_random_uuid(), 'backlog-0', to_jsonb(n::text), 'SCHEDULED', (n %% 10 = 0)::int, 0,
                       n %% 4 - 1, now() + interval '1 day' + n * interval '1 millisecond',
                       CASE WHEN n %% 10 = 0 THEN 'seeded retry' END
                FROM generate_series(1, %d) AS n""".formatted(SCHEMA, backlog));
        out.printf("Seeded %,d tasks due tomorrow (4 priorities, one in ten a retry) in the queue backlog-0 in %.1f s%n",
                backlog, (System.nanoTime() - start) / 1e9);
    }

    private static void report(PrintStream out, int backlog, int nodes, int workers, double elapsed,
            Snapshot before, Snapshot after) {
        long tuples = after.tuples() - before.tuples();
        out.printf("Idle for %.1f s over a backlog of %,d tasks, %d node(s) of %d workers, counts every %d s (load %.1f):%n",
                elapsed, backlog, nodes, workers, METRICS_INTERVAL.toSeconds(),
                java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        out.printf("  tuples read (tasks table and its indexes): %,d in total, %,.0f/s%n", tuples, tuples / elapsed);
        after.byIndex().forEach((index, read) -> {
            long delta = read - before.byIndex().getOrDefault(index, 0L);
            if (delta > 0) {
                out.printf("    %-28s %,12d%n", index, delta);
            }
        });
        out.printf("  transactions committed in the database: %,d, %,.1f/s%n",
                after.commits() - before.commits(), (after.commits() - before.commits()) / elapsed);
        long cpu = after.cpuNanos() - before.cpuNanos();
        if (before.cpuNanos() >= 0 && after.cpuNanos() >= 0) {
            out.printf("  CPU of the application's server processes: %.2f%% of a core%n", cpu / elapsed / 1e7);
        }
        else {
            out.println("  CPU of the server processes: not measurable here (no /proc, or a remote server)");
        }
    }

    private static String createDatabase(String adminUrl, String user) throws SQLException {
        try (Connection admin = DriverManager.getConnection(adminUrl, user, null);
                Statement statement = admin.createStatement()) {
            try (ResultSet rows = statement.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + DATABASE + "'")) {
                if (!rows.next()) {
                    statement.execute("CREATE DATABASE " + DATABASE);
                }
            }
        }
        int slash = adminUrl.lastIndexOf('/');
        int query = adminUrl.indexOf('?', slash);
        return adminUrl.substring(0, slash + 1) + DATABASE + ((query >= 0) ? adminUrl.substring(query) : "");
    }

    private static void execute(Connection connection, String... statements) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            for (String sql : statements) {
                try {
                    statement.execute(sql);
                }
                catch (SQLException ex) {
                    if (!sql.equals("CHECKPOINT")) {
                        throw ex;
                    }
                }
            }
        }
    }

    /** Cumulative counters at one moment. */
    private record Snapshot(long tuples, Map<String, Long> byIndex, long commits, long cpuNanos) {

        static Snapshot take(Connection probe) throws SQLException {
            try (Statement statement = probe.createStatement()) {
                statement.execute("SELECT pg_stat_clear_snapshot()");
                long tuples = 0;
                try (ResultSet rows = statement.executeQuery("""
                        SELECT coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0) FROM pg_stat_user_tables
                        WHERE schemaname = 'idle' AND relname = 'tasks'""")) {
                    if (rows.next()) {
                        tuples += rows.getLong(1);
                    }
                }
                Map<String, Long> byIndex = new TreeMap<>();
                try (ResultSet rows = statement.executeQuery("""
                        SELECT indexrelname, idx_tup_read FROM pg_stat_user_indexes
                        WHERE schemaname = 'idle' AND relname = 'tasks'""")) {
                    while (rows.next()) {
                        byIndex.put(rows.getString(1), rows.getLong(2));
                        tuples += rows.getLong(2);
                    }
                }
                long commits;
                try (ResultSet rows = statement.executeQuery(
                        "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()")) {
                    rows.next();
                    commits = rows.getLong(1);
                }
                List<Long> pids = new ArrayList<>();
                try (ResultSet rows = statement.executeQuery("""
                        SELECT pid FROM pg_stat_activity
                        WHERE datname = current_database() AND pid <> pg_backend_pid()""")) {
                    while (rows.next()) {
                        pids.add(rows.getLong(1));
                    }
                }
                return new Snapshot(tuples, byIndex, commits, cpuNanos(pids));
            }
        }

        private static long cpuNanos(List<Long> pids) {
            long ticks = 0;
            for (long pid : pids) {
                try {
                    String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
                    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    ticks += Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
                }
                catch (IOException | RuntimeException ex) {
                    return -1;
                }
            }
            return ticks * NANOS_PER_TICK;
        }
    }
}
