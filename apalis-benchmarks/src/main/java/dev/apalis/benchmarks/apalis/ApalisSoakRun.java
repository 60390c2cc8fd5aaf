package dev.apalis.benchmarks.apalis;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

import com.zaxxer.hikari.HikariDataSource;

import dev.apalis.backend.postgres.PostgresStorage;
import dev.apalis.benchmarks.BenchmarkDatabase;
import dev.apalis.benchmarks.BenchmarkOptions;
import dev.apalis.benchmarks.CpuClock;
import dev.apalis.benchmarks.LatencyHistogram;
import dev.apalis.benchmarks.ParallelPush;
import dev.apalis.benchmarks.Rates;
import dev.apalis.benchmarks.SoakChart;
import dev.apalis.benchmarks.SoakReport;
import dev.apalis.benchmarks.SoakSettings;
import dev.apalis.benchmarks.SoakWindow;
import dev.apalis.benchmarks.TableSizes;
import dev.apalis.benchmarks.Workload;
import dev.apalis.task.JsonPayloadCodec;
import dev.apalis.task.NewTask;
import dev.apalis.task.TaskOptions;
import dev.apalis.worker.WorkerBuilder;
import dev.apalis.worker.WorkerContext;
import dev.apalis.worker.WorkerEvent;

/**
 * The soak mode: pushes and drains at the same time for a long while, and watches for drift.
 * <ol>
 * <li>Calibration: {@code --tasks} tasks are queued and drained by one default worker (the workload's
 * threads as concurrency); their rate is the measured drain rate.</li>
 * <li>Soak: the same worker keeps running while tasks are pushed at {@code --load}% of that rate, a
 * quarter ({@value #SINGLE_SHARE}) one per call from {@code --threads} request-like threads, the rest in
 * batches of {@code --batch-size} from one thread, each at a steady pace. Done tasks are kept for
 * {@code --retention}, and the storage's maintenance prunes every third of it.</li>
 * <li>Every window: tasks pushed and acknowledged per second, push-call-to-handler-start p50/p99/max of
 * the tasks that started in it, the backlog, the tasks table's size (heap, each index, total) and the CPU
 * of this run's PostgreSQL backends and of this JVM.</li>
 * </ol>
 * Then the pushes stop, the backlog drains, and the drift between the first and the last window is
 * reported, with the windows as {@code soak.csv} and a chart as {@code soak.png} beside {@code --output}.
 */
public final class ApalisSoakRun {

    /** The share of the soak's pushes made one task per call. */
    static final double SINGLE_SHARE = 0.25;

    private static final Duration STALL_TIMEOUT = Duration.ofSeconds(60);

    /** A pacer more than this behind its schedule drops the missed pushes instead of bursting. */
    private static final long MAX_LAG_NANOS = Duration.ofSeconds(1).toNanos();

    private static final JsonPayloadCodec CODEC = JsonPayloadCodec.withDefaults();

    private ApalisSoakRun() {
    }

    /**
     * Runs it.
     * @param database the database
     * @param options the workload, the soak's settings, and where its CSV and chart go
     * @param log where progress and the windows go
     * @return the figures, by name
     * @throws Exception if Apalis failed, a push failed, or the drain stalled
     */
    public static Map<String, Object> run(BenchmarkDatabase database, BenchmarkOptions options, PrintStream log)
            throws Exception {
        Workload workload = options.workload();
        SoakSettings soak = options.soak();
        // worker (threads + spares) plus one connection per request thread and one for the batches
        HikariDataSource pool = database.pool("bench-apalis", null, workload.poolSize() + workload.threads() + 1);
        AtomicReference<LatencyHistogram> histogram = new AtomicReference<>(new LatencyHistogram());
        AtomicReference<LatencyHistogram> singleHistogram = new AtomicReference<>(new LatencyHistogram());
        LongAdder acked = new LongAdder();
        LongAdder pushedSingle = new LongAdder();
        LongAdder pushedBatched = new LongAdder();
        LongAdder missed = new LongAdder();
        database.dropSchema(ApalisSetup.SCHEMA);
        Duration maintenance = Duration.ofMillis(Math.max(1, soak.retention().toMillis() / 3));
        try (PostgresStorage storage = PostgresStorage.builder(pool)
            .schema(ApalisSetup.SCHEMA)
            .doneRetention(soak.retention())
            .maintenanceInterval(maintenance)
            .build()) {
            log.printf("Calibrating: queueing %,d tasks...%n", workload.tasks());
            ParallelPush.run(workload.tasks(), workload.threads(), workload.batchSize(),
                    (from, to) -> storage.pushAll(tasks(to - from)));
            database.settle(ApalisSetup.SCHEMA);
            WorkerContext worker = WorkerBuilder.named(ApalisSetup.QUEUE)
                .backend(storage)
                .concurrency(workload.threads())
                .shutdownTimeout(Duration.ofSeconds(10))
                .onEvent((context, event) -> {
                    if (event instanceof WorkerEvent.TaskSucceeded) {
                        acked.increment();
                    }
                })
                .build(SoakPayload.class, (payload, context) -> {
                    long latency = System.nanoTime() - payload.pushedNanos();
                    histogram.get().record(latency);
                    if (payload.single()) {
                        singleHistogram.get().record(latency);
                    }
                })
                .start();
            Map<String, Object> figures = new LinkedHashMap<>();
            List<SoakWindow> windows = new ArrayList<>();
            AtomicBoolean pushing = new AtomicBoolean(true);
            AtomicReference<Exception> pushFailure = new AtomicReference<>();
            List<Thread> pushers = new ArrayList<>();
            try {
                long calibrationStart = System.nanoTime();
                long calibrationEnd = awaitAcked(acked, workload.tasks());
                double drainRate = Rates.perSecond(workload.tasks(), calibrationStart, calibrationEnd);
                double target = drainRate * soak.loadPercent() / 100.0;
                double singleRate = target * SINGLE_SHARE;
                double batchRate = target - singleRate;
                log.printf("Drain rate %,.0f tasks/s; soaking at %d%%: %,.0f tasks/s (%,.0f one per call from %d threads,"
                        + " %,.0f in batches of %d) for %s, retention %s, rows every %s%n", drainRate,
                        soak.loadPercent(), target, singleRate, workload.threads(), batchRate, workload.batchSize(),
                        soak.length(), soak.retention(), soak.window());
                figures.put("calibrationTasks", workload.tasks());
                figures.put("calibrationDrainTasksPerSecond", Math.round(drainRate));
                figures.put("loadPercent", soak.loadPercent());
                figures.put("targetPushesPerSecond", Math.round(target));
                figures.put("singlePushThreads", workload.threads());
                figures.put("batchSize", workload.batchSize());
                figures.put("doneRetention", soak.retention().toString());
                figures.put("maintenanceInterval", maintenance.toString());
                histogram.set(new LatencyHistogram());
                singleHistogram.set(new LatencyHistogram());
                for (int t = 0; t < workload.threads(); t++) {
                    pushers.add(pacer("bench-soak-single-" + t, singleRate / workload.threads(), pushing, pushFailure,
                            missed, () -> {
                                storage.push(task());
                                pushedSingle.increment();
                            }));
                }
                pushers.add(pacer("bench-soak-batch", batchRate / workload.batchSize(), pushing, pushFailure, missed,
                        () -> {
                            storage.pushAll(tasks(workload.batchSize()));
                            pushedBatched.add(workload.batchSize());
                        }));
                figures.put("warmUp", soak.warmUp().toString());
                if (!soak.warmUp().isZero()) {
                    log.printf("Warming up for %s before the first window%n", soak.warmUp());
                    awaitOrFail(System.nanoTime() + soak.warmUp().toNanos(), pushFailure);
                    histogram.set(new LatencyHistogram());
                    singleHistogram.set(new LatencyHistogram());
                }
                List<Long> backends = database.backendPids();
                long start = System.nanoTime();
                long windowNanos = soak.window().toNanos();
                long lastEnd = start;
                long lastAcked = acked.sum();
                // The warm-up's pushes belong to no window.
                long lastSingle = pushedSingle.sum();
                long lastBatched = pushedBatched.sum();
                figures.put("tasksPushedDuringWarmUp", lastSingle + lastBatched);
                long lastPostgres = CpuClock.processesNanos(backends);
                long lastJvm = CpuClock.jvmNanos();
                for (int w = 1; w <= soak.windows(); w++) {
                    awaitOrFail(start + w * windowNanos, pushFailure);
                    long now = System.nanoTime();
                    LatencyHistogram started = histogram.getAndSet(new LatencyHistogram());
                    LatencyHistogram singleStarted = singleHistogram.getAndSet(new LatencyHistogram());
                    long ackedNow = acked.sum();
                    long single = pushedSingle.sum();
                    long batched = pushedBatched.sum();
                    long postgres = CpuClock.processesNanos(backends);
                    long jvm = CpuClock.jvmNanos();
                    double seconds = (now - lastEnd) / 1e9;
                    SoakWindow window = new SoakWindow(w, (now - start) / 1e9,
                            (single - lastSingle + batched - lastBatched) / seconds, (single - lastSingle) / seconds,
                            (ackedNow - lastAcked) / seconds, started.percentileMillis(50),
                            started.percentileMillis(99), started.maxMillis(), singleStarted.percentileMillis(99),
                            workload.tasks() + single + batched - ackedNow,
                            TableSizes.of(pool, ApalisSetup.SCHEMA + ".tasks"),
                            (postgres >= 0) ? (postgres - lastPostgres) / 1e9 / seconds : -1,
                            (jvm - lastJvm) / 1e9 / seconds);
                    windows.add(window);
                    log.println(describe(window));
                    lastEnd = now;
                    lastAcked = ackedNow;
                    lastSingle = single;
                    lastBatched = batched;
                    lastPostgres = postgres;
                    lastJvm = jvm;
                }
                pushing.set(false);
                for (Thread pusher : pushers) {
                    pusher.join();
                }
                if (pushFailure.get() != null) {
                    throw pushFailure.get();
                }
                long total = workload.tasks() + pushedSingle.sum() + pushedBatched.sum();
                log.printf("Pushes stopped; draining the backlog of %,d...%n", total - acked.sum());
                awaitAcked(acked, total);
                figures.put("tasksPushedDuringSoak", pushedSingle.sum() + pushedBatched.sum());
                figures.put("tasksPushedOnePerCall", pushedSingle.sum());
                figures.put("pushesDroppedBehindSchedule", missed.sum());
                figures.put("tasksAcknowledged", acked.sum());
                figures.put("drift", SoakReport.drift(windows));
                figures.put("windows", windows.stream().map(ApalisSoakRun::row).toList());
            }
            finally {
                pushing.set(false);
                for (Thread pusher : pushers) {
                    pusher.join();
                }
                ApalisSetup.stop(worker);
            }
            java.nio.file.Path csv = options.output().resolveSibling("soak.csv");
            java.nio.file.Path png = options.output().resolveSibling("soak.png");
            SoakReport.writeCsv(windows, csv);
            SoakChart.write(windows, String.format(Locale.ROOT, "Apalis soak: %s at %d%% of %,d tasks/s, done retention %s",
                    words(soak.length()), soak.loadPercent(), figures.get("calibrationDrainTasksPerSecond"),
                    words(soak.retention())),
                    png);
            figures.put("csv", csv.toAbsolutePath().toString());
            figures.put("chart", png.toAbsolutePath().toString());
            return figures;
        }
        finally {
            database.release(pool);
            database.dropSchema(ApalisSetup.SCHEMA);
        }
    }

    /** Something a pacer does once per tick. */
    @FunctionalInterface
    private interface Push {

        void push() throws Exception;
    }

    /** A thread that pushes {@code perSecond} times a second, on a steady schedule, while {@code pushing}. */
    private static Thread pacer(String name, double perSecond, AtomicBoolean pushing,
            AtomicReference<Exception> failure, LongAdder missed, Push push) {
        long interval = (long) (1_000_000_000L / Math.max(perSecond, 1e-3));
        Thread thread = new Thread(() -> {
            long due = System.nanoTime();
            try {
                while (pushing.get()) {
                    due += interval;
                    long wait;
                    while ((wait = due - System.nanoTime()) > 0 && pushing.get()) {
                        LockSupport.parkNanos(Math.min(wait, Duration.ofMillis(100).toNanos()));
                    }
                    if (!pushing.get()) {
                        return;
                    }
                    long lag = System.nanoTime() - due;
                    if (lag > MAX_LAG_NANOS) {
                        long skipped = lag / interval;
                        missed.add(skipped);
                        due += skipped * interval;
                    }
                    push.push();
                }
            }
            catch (Exception ex) {
                failure.compareAndSet(null, ex);
            }
        }, name);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    private static long awaitAcked(LongAdder acked, long expected) throws Exception {
        long lastCount = -1;
        long lastProgress = System.nanoTime();
        while (true) {
            long count = acked.sum();
            if (count >= expected) {
                return System.nanoTime();
            }
            if (count != lastCount) {
                lastCount = count;
                lastProgress = System.nanoTime();
            }
            else if (System.nanoTime() - lastProgress > STALL_TIMEOUT.toNanos()) {
                throw new TimeoutException("Stalled at " + count + " of " + expected + " tasks for " + STALL_TIMEOUT);
            }
            LockSupport.parkNanos(Duration.ofMillis(1).toNanos());
        }
    }

    private static NewTask task() {
        return new NewTask(ApalisSetup.QUEUE, CODEC.encode(new SoakPayload(System.nanoTime(), true)), TaskOptions.defaults());
    }

    private static List<NewTask> tasks(int count) {
        long now = System.nanoTime();
        String payload = CODEC.encode(new SoakPayload(now, false));
        List<NewTask> tasks = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            tasks.add(new NewTask(ApalisSetup.QUEUE, payload, TaskOptions.defaults()));
        }
        return tasks;
    }

    /** Waits until the deadline, on {@link System#nanoTime()}; throws what a pusher failed with. */
    private static void awaitOrFail(long deadlineNanos, AtomicReference<Exception> pushFailure) throws Exception {
        long wait;
        while ((wait = deadlineNanos - System.nanoTime()) > 0 && pushFailure.get() == null) {
            LockSupport.parkNanos(Math.min(wait, Duration.ofMillis(200).toNanos()));
        }
        if (pushFailure.get() != null) {
            throw pushFailure.get();
        }
    }

    private static String describe(SoakWindow w) {
        return String.format(Locale.ROOT,
                "[%3d] %6.0f s  pushed %,8.0f/s  acked %,8.0f/s  start p50 %6.1f ms  p99 %7.1f ms  max %7.1f ms  single p99 %7.1f ms  "
                        + "backlog %,8d  table+indexes %,6.1f MB (indexes %,.1f)  live %,d dead %,d  PostgreSQL %.2f cores",
                w.index(), w.endSeconds(), w.pushedPerSecond(), w.ackedPerSecond(), w.startP50Ms(), w.startP99Ms(),
                w.startMaxMs(), w.singleStartP99Ms(), w.backlog(), w.sizes().totalBytes() / 1e6, w.sizes().allIndexBytes() / 1e6,
                w.sizes().liveRows(), w.sizes().deadRows(), w.postgresCores());
    }

    private static String words(Duration duration) {
        long seconds = duration.toSeconds();
        return (seconds % 60 == 0 && seconds > 0) ? seconds / 60 + " min" : duration.toMillis() / 1000.0 + " s";
    }

    private static Map<String, Object> row(SoakWindow w) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("window", w.index());
        row.put("endSeconds", Math.round(w.endSeconds()));
        row.put("pushedPerSecond", Math.round(w.pushedPerSecond()));
        row.put("ackedPerSecond", Math.round(w.ackedPerSecond()));
        row.put("startP50Ms", w.startP50Ms());
        row.put("startP99Ms", w.startP99Ms());
        row.put("startMaxMs", Math.round(w.startMaxMs() * 10) / 10.0);
        row.put("singlePushStartP99Ms", w.singleStartP99Ms());
        row.put("backlog", w.backlog());
        row.put("totalBytes", w.sizes().totalBytes());
        row.put("tableBytes", w.sizes().tableBytes());
        row.put("indexBytes", w.sizes().indexBytes());
        row.put("liveRows", w.sizes().liveRows());
        row.put("deadRows", w.sizes().deadRows());
        row.put("postgresCores", Math.round(w.postgresCores() * 100) / 100.0);
        row.put("jvmCores", Math.round(w.jvmCores() * 100) / 100.0);
        return row;
    }
}
