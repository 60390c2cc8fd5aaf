package dev.apalis.reliability;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.jdbc.core.JdbcTemplate;

import dev.apalis.backend.Backend;
import dev.apalis.backend.postgres.PostgresStorage;
import dev.apalis.task.NewTask;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskOptions;
import dev.apalis.worker.WorkerBuilder;
import dev.apalis.worker.WorkerContext;
import dev.apalis.worker.WorkerEvent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 12, one clock: a worker whose clock is a minute off the database's neither spins on claims
 * while idle nor starts a delayed task early or late, because every comparison with a stored time is
 * made by the database. The worker's clock only stamps its events.
 */
@dev.apalis.test.PostgresDatabase
class ClockSkewTest {

    private static final Duration POLL = Duration.ofMillis(500);

    private static final Duration IDLE_WINDOW = Duration.ofSeconds(3);

    @ParameterizedTest(name = "worker clock {0} s off")
    @ValueSource(ints = { 60, -60 })
    void aSkewedWorkerPollsAtItsRateAndStartsDelayedTasksOnTheDatabasesTime(int skewSeconds, DataSource dataSource)
            throws Exception {
        JdbcTemplate jdbc = new JdbcTemplate(dataSource);
        String schema = "skew" + (skewSeconds > 0 ? "_ahead" : "_behind");
        AtomicInteger claims = new AtomicInteger();
        CompletableFuture<OffsetDateTime> claimedAtOnDatabase = new CompletableFuture<>();
        Clock skewed = Clock.offset(Clock.systemUTC(), Duration.ofSeconds(skewSeconds));
        try (PostgresStorage storage = PostgresStorage.builder(dataSource).schema(schema).build()) {
            // a task due within the skew makes the worker wait for a run time: the case that spun
            TaskId later = storage.push(new NewTask("skew", "\"later\"", TaskOptions.defaults().delay(Duration.ofSeconds(30))));
            AtomicInteger idleEvents = new AtomicInteger();
            WorkerContext worker = WorkerBuilder.named("skew").backend(counting(storage, claims)).pollInterval(POLL)
                .clock(skewed)
                .onEvent((ctx, event) -> {
                    if (event instanceof WorkerEvent.Idle) {
                        idleEvents.incrementAndGet();
                    }
                })
                // the claim that handed the task over stamped its database time in locked_at
                .build(String.class, (payload, ctx) -> claimedAtOnDatabase.complete(jdbc.queryForObject(
                        "SELECT locked_at FROM " + schema + ".tasks WHERE id = ?", OffsetDateTime.class,
                        ctx.taskId().value())))
                .start();
            try {
                await().atMost(Duration.ofSeconds(10)).until(() -> idleEvents.get() > 0);
                int before = claims.get();
                long from = System.nanoTime();
                await().pollDelay(IDLE_WINDOW).atMost(IDLE_WINDOW.plusSeconds(1)).until(() -> true);
                double seconds = (System.nanoTime() - from) / 1e9;
                double idleClaimsPerSecond = (claims.get() - before) / seconds;
                double pollRate = 1000.0 / POLL.toMillis();
                assertThat(idleClaimsPerSecond).as("idle claims per second, polling every %s", POLL)
                    .isLessThanOrEqualTo(pollRate * 1.5);

                TaskId soon = storage.push(new NewTask("skew", "\"soon\"", TaskOptions.defaults()
                    .runAt(databaseNow(jdbc).plusMillis(1500))));
                Instant runAt = storage.find(soon).orElseThrow().runAt();
                OffsetDateTime started = claimedAtOnDatabase.get(10, TimeUnit.SECONDS);
                Duration lateness = Duration.between(runAt, started.toInstant());
                assertThat(lateness).as("claimed for its start after the run time, on the database's clock")
                    .isBetween(Duration.ZERO, Duration.ofMillis(100));
                assertThat(storage.find(later).orElseThrow().attempts()).isZero();

                Figures.of("clock-skew-" + (skewSeconds > 0 ? "ahead" : "behind"))
                    .put("workerClockOffsetSeconds", skewSeconds)
                    .put("pollInterval", POLL)
                    .put("idleClaimsPerSecond", String.format("%.2f", idleClaimsPerSecond))
                    .put("delayedTaskStartedAfterItsRunTime", lateness)
                    .print();
            }
            finally {
                worker.stop();
                assertThat(worker.awaitTermination(Duration.ofSeconds(10))).isTrue();
            }
        }
    }

    private static Instant databaseNow(JdbcTemplate jdbc) {
        return jdbc.queryForObject("SELECT now()", OffsetDateTime.class).toInstant();
    }

    private static Backend counting(Backend delegate, AtomicInteger claims) {
        return (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] { Backend.class },
                (proxy, method, args) -> {
                    if (method.getName().equals("claim")) {
                        claims.incrementAndGet();
                    }
                    try {
                        return method.invoke(delegate, args);
                    }
                    catch (InvocationTargetException ex) {
                        throw ex.getCause();
                    }
                });
    }
}
