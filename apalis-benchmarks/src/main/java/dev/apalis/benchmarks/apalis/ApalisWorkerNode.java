package dev.apalis.benchmarks.apalis;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.atomic.AtomicLong;

import com.zaxxer.hikari.HikariDataSource;

import dev.apalis.backend.postgres.PostgresStorage;
import dev.apalis.benchmarks.BenchmarkDatabase;
import dev.apalis.benchmarks.BenchmarkOptions;
import dev.apalis.benchmarks.CompletionTracker;
import dev.apalis.benchmarks.CpuClock;
import dev.apalis.benchmarks.TaskProbe;
import dev.apalis.worker.Worker;
import dev.apalis.worker.WorkerContext;

/**
 * One worker process of the nodes mode, started by {@link ApalisNodesRun} with the harness's class path. It
 * opens its own pool and storage on the benchmark schema (which the harness filled), drains its own warm-up
 * queue, says
 * {@code NODE READY} on its standard output and waits for {@code GO} on its standard input; then it runs a
 * default worker and reports {@code NODE ACKED <count> <epoch micros of the last acknowledgement> <CPU nanos of
 * this process>} every {@value #REPORT_MILLIS} ms while the count changes, until {@code STOP}. The password, if
 * any, comes in the environment variable {@value #PASSWORD_VARIABLE}, so that it is not on a command line.
 */
public final class ApalisWorkerNode {

    static final String PASSWORD_VARIABLE = "APALIS_BENCH_JDBC_PASSWORD";

    static final String PREFIX = "NODE ";

    static final long REPORT_MILLIS = 50;

    private ApalisWorkerNode() {
    }

    /**
     * @param args JDBC URL, user, worker threads, warm-up queue, warm-up tasks in it
     * @throws Exception if the node cannot start or stop
     */
    public static void main(String[] args) throws Exception {
        if (args.length != 5) {
            System.err.println("Usage: ApalisWorkerNode <jdbc-url> <user> <threads> <warm-up queue> <warm-up tasks>"
                    + " (started by the nodes mode)");
            System.exit(2);
        }
        int threads = Integer.parseInt(args[2]);
        String warmUpQueue = args[3];
        int warmUpTasks = Integer.parseInt(args[4]);
        String password = System.getenv().getOrDefault(PASSWORD_VARIABLE, "");
        PrintStream out = System.out;
        AtomicLong acked = new AtomicLong();
        AtomicLong lastAckMicros = new AtomicLong();
        try (BenchmarkDatabase database = BenchmarkDatabase.open(args[0], args[1], password, false)) {
            HikariDataSource pool = database.pool("bench-node", null, threads + 4);
            try (PostgresStorage storage = PostgresStorage.builder(pool).schema(ApalisSetup.SCHEMA)
                .initializeSchema(false)
                .build()) {
                warmUp(storage, threads, warmUpQueue, warmUpTasks);
                Worker worker = ApalisSetup.countingWorker(storage, ApalisSetup.QUEUE, threads,
                        BenchmarkOptions.ADAPTIVE_PREFETCH, TaskProbe.NONE, () -> {
                            lastAckMicros.set(epochMicros());
                            acked.incrementAndGet();
                        });
                BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
                out.println(PREFIX + "READY");
                out.flush();
                if (!"GO".equals(commands.readLine())) {
                    return;
                }
                WorkerContext running = worker.start();
                Thread reporter = new Thread(() -> report(out, acked, lastAckMicros), "bench-node-report");
                reporter.setDaemon(true);
                reporter.start();
                String command;
                while ((command = commands.readLine()) != null && !command.equals("STOP")) {
                    // only STOP (or the end of the input) ends the node
                }
                ApalisSetup.stop(running);
                reporter.interrupt();
                reporter.join();
                out.println(PREFIX + "STOPPED " + acked.get());
                out.flush();
            }
        }
    }

    /** Drains this node's own warm-up queue (filled by the harness), so that the timed drain runs JIT-compiled code. */
    private static void warmUp(PostgresStorage storage, int threads, String queue, int tasks) throws Exception {
        if (tasks == 0) {
            return;
        }
        CompletionTracker done = new CompletionTracker(tasks);
        WorkerContext worker = ApalisSetup.countingWorker(storage, queue, threads, BenchmarkOptions.ADAPTIVE_PREFETCH,
                TaskProbe.NONE, done::acknowledged).start();
        try {
            done.awaitAll(Duration.ofSeconds(60));
        }
        finally {
            ApalisSetup.stop(worker);
        }
    }

    private static void report(PrintStream out, AtomicLong acked, AtomicLong lastAckMicros) {
        long reported = -1;
        while (!Thread.currentThread().isInterrupted()) {
            long count = acked.get();
            if (count != reported) {
                reported = count;
                out.println(PREFIX + "ACKED " + count + " " + lastAckMicros.get() + " " + CpuClock.jvmNanos());
                out.flush();
            }
            try {
                Thread.sleep(REPORT_MILLIS);
            }
            catch (InterruptedException ex) {
                return;
            }
        }
    }

    static long epochMicros() {
        return ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
    }
}
