package dev.apalis.benchmarks.apalis;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import com.zaxxer.hikari.HikariDataSource;

import dev.apalis.backend.postgres.PostgresStorage;
import dev.apalis.benchmarks.BenchmarkDatabase;
import dev.apalis.benchmarks.Measure;
import dev.apalis.benchmarks.ParallelPush;
import dev.apalis.benchmarks.StatementCounter;
import dev.apalis.benchmarks.Workload;
import dev.apalis.benchmarks.dbscheduler.DbSchedulerPushScenario;

/**
 * Why single pushes cost what they cost: 8 threads push one task per call with several settings of the
 * storage, round-robin beside db-scheduler's {@code schedule}, and for each run the rate, the p99 of a
 * call, the mean number of tasks per insert statement and the notify statements per task (counted by a
 * {@link StatementCounter} around the pool). Run it with:
 * <pre>
 * java -cp 'apalis-benchmarks/target/apalis-benchmarks.jar:apalis-benchmarks/target/lib/*' \
 *     dev.apalis.benchmarks.apalis.SinglePushDiagnosis [tasks] [repeats] [jdbc-url]
 * </pre>
 * Without a URL it starts an embedded PostgreSQL 17 ({@code fsync} off).
 */
public final class SinglePushDiagnosis {

    private SinglePushDiagnosis() {
    }

    /**
     * Runs the diagnosis.
     * @param args tasks per run (10,000), repeats (3), a JDBC URL (none: embedded; {@code -Dfsync=true} for
     * fsync on); {@code -DgroupOnly=true} leaves out the runs without the group insert
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
        Workload workload = new Workload(2_000, 8, tasks, 500, 100, 200);
        out.println("Database: " + database.location() + " " + database.describe());
        Map<String, Function<PostgresStorage.Builder, PostgresStorage.Builder>> variants = new LinkedHashMap<>();
        variants.put("default (group insert, notifications)", builder -> builder);
        variants.put("group insert, no notifications", builder -> builder.notifications(false));
        if (!Boolean.getBoolean("groupOnly")) {
            variants.put("no group insert, notifications", builder -> builder.groupInsert(false));
            variants.put("no group insert, no notifications",
                    builder -> builder.groupInsert(false).notifications(false));
        }
        Map<String, List<String>> results = new LinkedHashMap<>();
        for (int round = 0; round <= repeats; round++) {
            boolean warmUp = round == 0;
            Workload now = warmUp ? new Workload(2_000, 8, 2_000, 500, 100, 200) : workload;
            Map<Measure, Double> peer = new DbSchedulerPushScenario(database).run(now);
            record(out, results, warmUp, "db-scheduler schedule", peer.get(Measure.PUSH_ONE),
                    peer.get(Measure.PUSH_ONE_P99), 1, 0);
            for (Map.Entry<String, Function<PostgresStorage.Builder, PostgresStorage.Builder>> variant
                    : variants.entrySet()) {
                HikariDataSource pool = database.pool("diag-apalis", null, now.poolSize());
                try {
                    database.dropSchema(ApalisSetup.SCHEMA);
                    StatementCounter counter = new StatementCounter();
                    try (PostgresStorage storage = variant.getValue()
                        .apply(PostgresStorage.builder(counter.wrap(pool)).schema(ApalisSetup.SCHEMA))
                        .build()) {
                        Map<String, Long> before = counter.snapshot();
                        ParallelPush.Timed timed = ParallelPush.timed(now.pushTasks(), now.threads(), 1,
                                (from, to) -> storage.push(ApalisSetup.task(from)));
                        Map<String, Long> after = counter.snapshot();
                        record(out, results, warmUp, variant.getKey(), timed.rate(), timed.p99Millis(),
                                perTask(before, after, "INSERT", now.pushTasks()),
                                perTask(before, after, "notify", now.pushTasks()));
                    }
                }
                finally {
                    database.release(pool);
                }
            }
        }
        out.println();
        out.println("Runs (tasks/s, p99 of a call, tasks per insert statement, notify statements per task):");
        results.forEach((name, runs) -> out.printf("  %-42s %s%n", name, String.join(" | ", runs)));
    }

    private static void record(PrintStream out, Map<String, List<String>> results, boolean warmUp, String name,
            double rate, double p99, double insertsPerTask, double notifiesPerTask) {
        String line = String.format("%,.0f/s %.1f ms, %.1f tasks/insert, %.2f notify/task", rate, p99,
                1 / insertsPerTask, notifiesPerTask);
        out.printf("%s%-42s %s (load %.1f)%n", warmUp ? "[warm-up] " : "", name, line, load());
        if (!warmUp) {
            results.computeIfAbsent(name, key -> new ArrayList<>()).add(line);
        }
    }

    private static double load() {
        return java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    private static double perTask(Map<String, Long> before, Map<String, Long> after, String kind, int tasks) {
        long sum = 0;
        for (Map.Entry<String, Long> entry : after.entrySet()) {
            if (entry.getKey().contains(kind)) {
                sum += entry.getValue() - before.getOrDefault(entry.getKey(), 0L);
            }
        }
        return sum / (double) tasks;
    }
}
