package dev.apalis.benchmarks.apalis;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;

import com.zaxxer.hikari.HikariDataSource;

import dev.apalis.backend.postgres.PostgresStorage;
import dev.apalis.benchmarks.BenchmarkDatabase;
import dev.apalis.benchmarks.BenchmarkOptions;
import dev.apalis.benchmarks.CpuClock;
import dev.apalis.benchmarks.ParallelPush;
import dev.apalis.benchmarks.Result;
import dev.apalis.benchmarks.Workload;

/**
 * The nodes mode: one queue drained by 1, 2, 4, ... worker processes at once, each a separate JVM
 * ({@link ApalisWorkerNode}, started from the harness's own class path with {@value #NODE_HEAP}) running
 * one default worker with the workload's threads. For every count: fresh schema, the queue filled by this
 * process (untimed), the nodes started, connected and warmed up (each drains {@code --warmup-tasks} tasks of a
 * queue of its own), then released together; timed from the release to
 * the last acknowledgement of any node. The counts run round-robin, {@code --repeat} times, and the median
 * is reported with the CPU the nodes and their PostgreSQL backends used per task.
 */
public final class ApalisNodesRun {

    static final String NODE_HEAP = "-Xmx256m";

    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);

    private static final Duration STALL_TIMEOUT = Duration.ofSeconds(60);

    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(45);

    private ApalisNodesRun() {
    }

    /**
     * Runs every count of the options' {@code --nodes}.
     * @param database the database, which must be reachable by URL from the node processes (an embedded one is)
     * @param options the options: node counts, workload, repeat, output (node logs go beside it)
     * @param log where progress goes
     * @return the figures, by name
     * @throws Exception if a node failed or stalled
     */
    public static Map<String, Object> run(BenchmarkDatabase database, BenchmarkOptions options, PrintStream log)
            throws Exception {
        Workload workload = options.workload();
        Map<Integer, List<Drain>> drains = new LinkedHashMap<>();
        for (int count : options.nodes()) {
            drains.put(count, new ArrayList<>());
        }
        for (int r = 1; r <= options.repeat(); r++) {
            for (int count : drains.keySet()) {
                Drain drain = drainOnce(database, options, count, log);
                log.printf("[repeat %d/%d] %d node(s): %,.0f tasks/s, split %s, CPU per task: nodes %.0f us, PostgreSQL %.0f us%n",
                        r, options.repeat(), count, drain.tasksPerSecond(), drain.perNode(), drain.nodeCpuMicrosPerTask(),
                        drain.postgresCpuMicrosPerTask());
                drains.get(count).add(drain);
            }
        }
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("tasks", workload.tasks());
        figures.put("threadsPerNode", workload.threads());
        figures.put("processors", Runtime.getRuntime().availableProcessors());
        List<Map<String, Object>> rows = new ArrayList<>();
        double single = 0;
        for (Map.Entry<Integer, List<Drain>> entry : drains.entrySet()) {
            List<Drain> runs = entry.getValue();
            double median = Result.median(runs.stream().map(Drain::tasksPerSecond).toList());
            if (entry.getKey() == drains.keySet().iterator().next()) {
                single = median;
            }
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("nodes", entry.getKey());
            row.put("medianTasksPerSecond", Math.round(median));
            row.put("ratioToFirstCount", Math.round(median / single * 100) / 100.0);
            row.put("runsTasksPerSecond", runs.stream().map(d -> Math.round(d.tasksPerSecond())).toList());
            row.put("tasksPerNodeOfEachRun", runs.stream().map(Drain::perNode).toList());
            row.put("nodeCpuMicrosPerTask", runs.stream().map(d -> Math.round(d.nodeCpuMicrosPerTask())).toList());
            row.put("postgresCpuMicrosPerTask", runs.stream().map(d -> Math.round(d.postgresCpuMicrosPerTask())).toList());
            row.put("coresBusy", runs.stream().map(d -> Math.round(d.coresBusy() * 100) / 100.0).toList());
            rows.add(row);
        }
        figures.put("counts", rows);
        return figures;
    }

    private static Drain drainOnce(BenchmarkDatabase database, BenchmarkOptions options, int count, PrintStream log)
            throws Exception {
        Workload workload = options.workload();
        HikariDataSource pool = database.pool("bench-apalis", null, workload.poolSize());
        List<Node> nodes = new ArrayList<>();
        try {
            try (PostgresStorage storage = ApalisSetup.freshStorage(database, pool)) {
                ApalisSetup.fill(storage, workload.tasks(), workload.threads(), workload.batchSize());
                for (int i = 0; i < count; i++) {
                    String queue = warmUpQueue(i);
                    ParallelPush.run(options.warmUpTasks(), 1, workload.batchSize(), (from, to) -> storage.pushAll(
                            IntStream.range(from, to).mapToObj(n -> ApalisSetup.task(queue, n)).toList()));
                }
            }
            database.release(pool);
            pool = null;
            database.settle(ApalisSetup.SCHEMA);
            for (int i = 0; i < count; i++) {
                nodes.add(Node.start(database, options, count, i));
            }
            for (Node node : nodes) {
                node.awaitReady();
            }
            List<Long> backends = database.backendPids();
            long postgresCpuBefore = CpuClock.processesNanos(backends);
            long start = ApalisWorkerNode.epochMicros();
            for (Node node : nodes) {
                node.send("GO");
            }
            long end = awaitAll(nodes, workload.tasks());
            long postgresCpu = CpuClock.processesNanos(backends) - postgresCpuBefore;
            long nodeCpu = nodes.stream().mapToLong(Node::cpuSinceReady).sum();
            for (Node node : nodes) {
                node.send("STOP");
            }
            for (Node node : nodes) {
                node.awaitExit();
            }
            long done = database.count("SELECT count(*) FROM " + ApalisSetup.SCHEMA + ".tasks WHERE status = 'DONE' AND queue = '"
                    + ApalisSetup.QUEUE + "'");
            if (done != workload.tasks()) {
                throw new IllegalStateException(count + " node(s) acknowledged every task but " + done + " of "
                        + workload.tasks() + " are DONE");
            }
            double seconds = Math.max(1, end - start) / 1e6;
            return new Drain(workload.tasks() / seconds, nodes.stream().map(Node::acked).toList(),
                    nodeCpu / 1e3 / workload.tasks(), (postgresCpuBefore >= 0) ? postgresCpu / 1e3 / workload.tasks() : -1,
                    (nodeCpu + Math.max(0, postgresCpu)) / 1e9 / seconds);
        }
        finally {
            for (Node node : nodes) {
                node.destroy();
            }
            if (pool != null) {
                database.release(pool);
            }
            database.dropSchema(ApalisSetup.SCHEMA);
        }
    }

    private static String warmUpQueue(int node) {
        return "bench-warm-up-" + node;
    }

    /** Waits until the nodes together acknowledged {@code tasks}; returns the epoch micros of the last one. */
    private static long awaitAll(List<Node> nodes, long tasks) throws Exception {
        long lastTotal = -1;
        long lastProgress = System.nanoTime();
        while (true) {
            long total = nodes.stream().mapToLong(Node::acked).sum();
            if (total >= tasks) {
                return nodes.stream().mapToLong(Node::lastAckMicros).max().orElseThrow();
            }
            if (total != lastTotal) {
                lastTotal = total;
                lastProgress = System.nanoTime();
            }
            else if (System.nanoTime() - lastProgress > STALL_TIMEOUT.toNanos()) {
                throw new TimeoutException("Nodes stalled at " + total + " of " + tasks + " tasks");
            }
            for (Node node : nodes) {
                node.failIfExited();
            }
            nodes.get(0).awaitReport(Duration.ofMillis(ApalisWorkerNode.REPORT_MILLIS));
        }
    }

    /**
     * One drain.
     *
     * @param tasksPerSecond from the release to the last acknowledgement
     * @param perNode tasks acknowledged by each node
     * @param nodeCpuMicrosPerTask CPU of all node processes per task
     * @param postgresCpuMicrosPerTask CPU of the nodes' PostgreSQL backends per task (the server's background
     * processes, such as the WAL writer and autovacuum, not included), -1 when it cannot be read
     * @param coresBusy nodes' and server's CPU divided by the drain's wall time
     */
    record Drain(double tasksPerSecond, List<Long> perNode, double nodeCpuMicrosPerTask,
            double postgresCpuMicrosPerTask, double coresBusy) {
    }

    /** A worker process and what it last reported. */
    private static final class Node {

        private final Process process;

        private final OutputStream commands;

        private final CountDownLatch ready = new CountDownLatch(1);

        private final AtomicLong acked = new AtomicLong();

        private final AtomicLong lastAckMicros = new AtomicLong();

        private final AtomicLong cpuAtReady = new AtomicLong(-1);

        private final AtomicLong cpu = new AtomicLong();

        private final Object reports = new Object();

        private Node(Process process) {
            this.process = process;
            this.commands = process.getOutputStream();
            Thread reader = new Thread(this::read, "bench-node-reader-" + process.pid());
            reader.setDaemon(true);
            reader.start();
        }

        static Node start(BenchmarkDatabase database, BenchmarkOptions options, int count, int index)
                throws IOException {
            String java = ProcessHandle.current().info().command().orElse("java");
            ProcessBuilder builder = new ProcessBuilder(java, NODE_HEAP, "-cp", System.getProperty("java.class.path"),
                    ApalisWorkerNode.class.getName(), database.url(), database.user(),
                    Integer.toString(options.workload().threads()), warmUpQueue(index),
                    Integer.toString(options.warmUpTasks()));
            builder.environment().put(ApalisWorkerNode.PASSWORD_VARIABLE, database.password());
            Path logFile = options.output().toAbsolutePath().resolveSibling("nodes-" + count + "-" + index + ".log");
            Files.createDirectories(logFile.getParent());
            builder.redirectError(logFile.toFile());
            return new Node(builder.start());
        }

        private void read() {
            try (BufferedReader lines = new BufferedReader(
                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                    if (!line.startsWith(ApalisWorkerNode.PREFIX)) {
                        continue;
                    }
                    String[] words = line.substring(ApalisWorkerNode.PREFIX.length()).split(" ");
                    if (words[0].equals("READY")) {
                        ready.countDown();
                    }
                    else if (words[0].equals("ACKED")) {
                        lastAckMicros.set(Long.parseLong(words[2]));
                        cpu.set(Long.parseLong(words[3]));
                        cpuAtReady.compareAndSet(-1, Long.parseLong(words[3]));
                        acked.set(Long.parseLong(words[1]));
                        synchronized (reports) {
                            reports.notifyAll();
                        }
                    }
                }
            }
            catch (IOException ex) {
                // the process ended; failIfExited tells
            }
        }

        void awaitReady() throws Exception {
            long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
            while (!ready.await(1, TimeUnit.SECONDS)) {
                failIfExited();
                if (System.nanoTime() > deadline) {
                    throw new TimeoutException("A node process did not get ready within " + START_TIMEOUT
                            + "; see its nodes-*.log");
                }
            }
        }

        void awaitReport(Duration timeout) throws InterruptedException {
            synchronized (reports) {
                reports.wait(timeout.toMillis());
            }
        }

        void send(String command) throws IOException {
            commands.write((command + "\n").getBytes(StandardCharsets.UTF_8));
            commands.flush();
        }

        long acked() {
            return acked.get();
        }

        long lastAckMicros() {
            return lastAckMicros.get();
        }

        /** CPU since the first report after the release (the JVM start and the pool's connections excluded). */
        long cpuSinceReady() {
            return cpu.get() - Math.max(0, cpuAtReady.get());
        }

        void failIfExited() {
            if (!process.isAlive()) {
                throw new IllegalStateException("A node process exited with " + process.exitValue()
                        + " before the queue was drained; see its nodes-*.log beside --output");
            }
        }

        void awaitExit() throws Exception {
            if (!process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                throw new TimeoutException("A node process did not stop within " + STOP_TIMEOUT);
            }
        }

        void destroy() {
            if (process.isAlive()) {
                process.destroyForcibly();
            }
        }
    }
}
