package dev.apalis.reliability;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

import org.springframework.jdbc.core.JdbcTemplate;

import dev.apalis.backend.postgres.PostgresStorage;
import dev.apalis.schedule.ScheduleRunner;
import dev.apalis.worker.RetryPolicy;
import dev.apalis.worker.ShutdownSignal;
import dev.apalis.worker.Worker;
import dev.apalis.worker.WorkerBuilder;
import dev.apalis.worker.WorkerEvent;

/**
 * A small worker application, started by the multi-process scenarios as a separate JVM (see
 * {@link Node}): a {@link PostgresStorage} on a Hikari pool and one worker that runs until the JVM
 * shuts down ({@link ShutdownSignal#onJvmShutdown(Duration)}, so SIGTERM stops it gracefully).
 * <p>
 * Its handler records each attempt in {@code public.executions} in short transactions of its own: a
 * row when it starts ({@code task_id, pid, attempt}), then {@code ended_at} when it ends, after
 * sleeping {@code millis} from the payload. A task whose {@code "halt"} is true halts the JVM at
 * once, as a crash would (no shutdown hooks).
 * <p>
 * Arguments are {@code key=value}: {@code url}, {@code user}, {@code password} (required),
 * {@code queue} (default {@code drain}), {@code concurrency} (8), {@code prefetch} (the worker's default, adaptive), {@code orphanThreshold} (PT3S),
 * {@code heartbeat} (PT0.5S), {@code shutdownTimeout} (PT10S), {@code maxAttempts} (25), {@code schedules}
 * (false: whether the node also runs a schedule loop).
 */
public final class NodeApp {

    /** The payload: a number, how long the handler works on it, and whether it crashes the node. */
    record Job(int n, int millis, Boolean halt) {
    }

    private NodeApp() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new HashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            options.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        long pid = ProcessHandle.current().pid();
        String queue = options.getOrDefault("queue", "drain");
        int concurrency = Integer.parseInt(options.getOrDefault("concurrency", "8"));
        Duration orphanThreshold = Duration.parse(options.getOrDefault("orphanThreshold", "PT3S"));
        Duration heartbeat = Duration.parse(options.getOrDefault("heartbeat", "PT0.5S"));
        Duration shutdownTimeout = Duration.parse(options.getOrDefault("shutdownTimeout", "PT10S"));
        int maxAttempts = Integer.parseInt(options.getOrDefault("maxAttempts", "25"));

        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(options.get("url"));
        config.setUsername(options.get("user"));
        config.setPassword(options.get("password"));
        config.setMaximumPoolSize(concurrency + 6);
        config.setConnectionTimeout(10_000);
        config.setPoolName("node-" + pid);
        config.addDataSourceProperty("ApplicationName", Node.applicationName(pid));
        HikariDataSource pool = new HikariDataSource(config);
        PostgresStorage storage = PostgresStorage.builder(pool).orphanThreshold(orphanThreshold).build();
        JdbcTemplate jdbc = new JdbcTemplate(pool);

        WorkerBuilder builder = WorkerBuilder.named(queue).backend(storage).concurrency(concurrency);
        if (options.containsKey("prefetch")) {
            builder.prefetch(Integer.parseInt(options.get("prefetch")));
        }
        Worker worker = builder
            .heartbeatInterval(heartbeat)
            .shutdownTimeout(shutdownTimeout)
            .retry(RetryPolicy.exponential(Duration.ofMillis(200), 2.0, Duration.ofSeconds(2), 0.1)
                .maxAttempts(maxAttempts))
            .onEvent((context, event) -> {
                if (event instanceof WorkerEvent.Start) {
                    System.out.println("NODE " + pid + " STARTED");
                }
                else if (event instanceof WorkerEvent.Stop) {
                    System.out.println("NODE " + pid + " STOPPED");
                }
                else if (event instanceof WorkerEvent.Error error) {
                    System.out.println("NODE " + pid + " ERROR " + error.error());
                }
                else if (event instanceof WorkerEvent.TaskFailed failed) {
                    System.out.println("NODE " + pid + " TASK FAILED " + failed.taskId() + ": " + failed.error());
                }
            })
            .build(Job.class, (job, ctx) -> {
                if (Boolean.TRUE.equals(job.halt())) {
                    System.out.println("NODE " + pid + " HALTS on task " + ctx.taskId() + ", attempt " + ctx.attempt());
                    System.out.flush();
                    Runtime.getRuntime().halt(137);
                }
                jdbc.update("INSERT INTO public.executions (task_id, pid, attempt) VALUES (?, ?, ?)",
                        ctx.taskId().value(), pid, ctx.attempt());
                if (job.millis() > 0) {
                    Thread.sleep(job.millis());
                }
                jdbc.update("UPDATE public.executions SET ended_at = clock_timestamp() "
                        + "WHERE task_id = ? AND pid = ? AND attempt = ?", ctx.taskId().value(), pid, ctx.attempt());
            });
        watchForStalls(pid);
        ScheduleRunner schedules = Boolean.parseBoolean(options.getOrDefault("schedules", "false"))
                ? ScheduleRunner.start(storage.schedules(), events -> { }) : null;
        worker.runUntil(ShutdownSignal.onJvmShutdown(shutdownTimeout.plusSeconds(5)));
        if (schedules != null) {
            schedules.close();
        }
        storage.close();
        pool.close();
    }

    /** Prints how late a 100 ms sleep wakes up when it is a second late or more (CPU starvation, GC). */
    private static void watchForStalls(long pid) {
        Thread watcher = new Thread(() -> {
            while (true) {
                long before = System.nanoTime();
                try {
                    Thread.sleep(100);
                }
                catch (InterruptedException ex) {
                    return;
                }
                long lateMillis = (System.nanoTime() - before) / 1_000_000 - 100;
                if (lateMillis >= 1000) {
                    System.out.println("NODE " + pid + " STALL a 100 ms sleep woke " + lateMillis + " ms late");
                }
            }
        }, "stall-watcher");
        watcher.setDaemon(true);
        watcher.start();
    }
}
