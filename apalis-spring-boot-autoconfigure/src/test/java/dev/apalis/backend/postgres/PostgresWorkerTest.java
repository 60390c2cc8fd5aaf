package dev.apalis.backend.postgres;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

import org.springframework.jdbc.core.JdbcTemplate;

import dev.apalis.backend.QueueCount;
import dev.apalis.task.NewTask;
import dev.apalis.task.Task;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskOptions;
import dev.apalis.task.TaskStatus;
import dev.apalis.test.PostgresDatabase;
import dev.apalis.test.TestPostgres;
import dev.apalis.worker.RetryPolicy;
import dev.apalis.worker.Worker;
import dev.apalis.worker.WorkerBuilder;
import dev.apalis.worker.WorkerContext;
import dev.apalis.worker.WorkerEvent;

import static dev.apalis.backend.postgres.TestTasks.numbered;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Real workers on PostgresStorage: many tasks over two nodes exactly once, wake-ups by NOTIFY, a
 * listener that comes back, delayed tasks on time, poison payloads and persisted retries.
 */
@PostgresDatabase
class PostgresWorkerTest {

    record Job(int n) {
    }

    private static final Duration LONG_POLL = Duration.ofSeconds(60);

    private static PostgresStorage storage;

    private static JdbcTemplate jdbc;

    private final List<WorkerContext> started = new ArrayList<>();

    private String queue;

    @BeforeAll
    static void createStorage(DataSource dataSource) {
        storage = PostgresStorage.builder(dataSource).build();
        jdbc = new JdbcTemplate(dataSource);
    }

    @AfterAll
    static void closeStorage() {
        storage.close();
    }

    @BeforeEach
    void queuePerTest(TestInfo info) {
        queue = info.getTestMethod().orElseThrow().getName();
    }

    @AfterEach
    void stopWorkers() {
        for (WorkerContext context : started) {
            context.stop();
        }
        for (WorkerContext context : started) {
            try {
                assertThat(context.awaitTermination(Duration.ofSeconds(10))).isTrue();
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(ex);
            }
        }
    }

    private WorkerContext start(Worker worker) {
        WorkerContext context = worker.start();
        started.add(context);
        return context;
    }

    private static long count(PostgresStorage storage, String queue, TaskStatus status) {
        return storage.countByQueueAndStatus().stream()
            .filter(c -> c.queue().equals(queue) && c.status() == status)
            .mapToLong(QueueCount::count)
            .sum();
    }

    @Test
    void twentyThousandTasksOnTwoStoragesWithTwoPoolsRunExactlyOnce(TestPostgres.Database database) {
        int total = 20_000;
        AtomicIntegerArray executions = new AtomicIntegerArray(total);
        AtomicInteger ranOnA = new AtomicInteger();
        AtomicInteger ranOnB = new AtomicInteger();
        try (HikariDataSource poolA = database.newDataSource(6);
                HikariDataSource poolB = database.newDataSource(6);
                PostgresStorage a = PostgresStorage.builder(poolA).schema("drain").build();
                PostgresStorage b = PostgresStorage.builder(poolB).schema("drain").build()) {
            start(WorkerBuilder.named("drain-a").queue(queue).backend(a).concurrency(8)
                .build(Job.class, (job, ctx) -> {
                    executions.incrementAndGet(job.n());
                    ranOnA.incrementAndGet();
                }));
            start(WorkerBuilder.named("drain-b").queue(queue).backend(b).concurrency(8)
                .build(Job.class, (job, ctx) -> {
                    executions.incrementAndGet(job.n());
                    ranOnB.incrementAndGet();
                }));

            // pushed while the workers run, through both storages
            for (int from = 0; from < total; from += 1_000) {
                PostgresStorage pusher = (from % 2_000 == 0) ? a : b;
                pusher.pushAll(TestTasks.numbered(queue, from, from + 1_000));
            }

            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> count(a, queue, TaskStatus.DONE) == total);
            stopWorkers();
        }
        for (int n = 0; n < total; n++) {
            assertThat(executions.get(n)).as("executions of task %d", n).isEqualTo(1);
        }
        assertThat(ranOnA.get() + ranOnB.get()).isEqualTo(total);
        assertThat(ranOnA.get()).as("node A ran a share").isPositive();
        assertThat(ranOnB.get()).as("node B ran a share").isPositive();
    }

    @Test
    void aPushWakesAnIdleWorkerWithALongPollIntervalWithinOneSecond() {
        Map<Integer, Instant> startedAt = new ConcurrentHashMap<>();
        start(WorkerBuilder.named(queue).backend(storage).pollInterval(LONG_POLL)
            .build(Job.class, (job, ctx) -> startedAt.put(job.n(), Instant.now())));

        // several rounds: after the first, the worker is surely asleep for its 60 s poll interval
        for (int round = 1; round <= 3; round++) {
            int n = round;
            storage.push(numbered(queue, n));
            await().atMost(Duration.ofSeconds(1)).until(() -> startedAt.containsKey(n));
        }
    }

    @Test
    void aListeningConnectionKilledByTheServerIsReestablished() {
        Map<Integer, Instant> startedAt = new ConcurrentHashMap<>();
        start(WorkerBuilder.named(queue).backend(storage).pollInterval(LONG_POLL)
            .build(Job.class, (job, ctx) -> startedAt.put(job.n(), Instant.now())));
        storage.push(numbered(queue, 1));
        await().atMost(Duration.ofSeconds(1)).until(() -> startedAt.containsKey(1));
        int before = storage.listenerBackendPid();
        assertThat(before).isPositive();

        Boolean terminated = jdbc.queryForObject("SELECT pg_terminate_backend(?)", Boolean.class, before);
        assertThat(terminated).isTrue();

        await().atMost(Duration.ofSeconds(5)).until(() -> {
            int now = storage.listenerBackendPid();
            return now != 0 && now != before;
        });
        for (int n = 2; n <= 3; n++) {
            int task = n;
            storage.push(numbered(queue, task));
            await().atMost(Duration.ofSeconds(1)).until(() -> startedAt.containsKey(task));
        }
    }

    @Test
    void aDelayedTaskStartsAtItsRunTimeNotAPollIntervalLater() {
        Map<Integer, Instant> startedAt = new ConcurrentHashMap<>();
        start(WorkerBuilder.named(queue).backend(storage).pollInterval(LONG_POLL)
            .build(Job.class, (job, ctx) -> startedAt.put(job.n(), Instant.now())));
        storage.push(numbered(queue, 0));
        await().atMost(Duration.ofSeconds(1)).until(() -> startedAt.containsKey(0));

        TaskId id = storage.push(numbered(queue, 1, TaskOptions.defaults().delay(Duration.ofMillis(1200))));
        Instant runAt = storage.find(id).orElseThrow().runAt();

        await().atMost(Duration.ofSeconds(3)).until(() -> startedAt.containsKey(1));
        assertThat(startedAt.get(1)).isAfterOrEqualTo(runAt).isBefore(runAt.plusSeconds(1));
    }

    @Test
    void poisonPayloadsAreKilledWithAClearErrorAndTheWorkerGoesOn() {
        List<Integer> ran = new CopyOnWriteArrayList<>();
        List<WorkerEvent.TaskKilled> killed = new CopyOnWriteArrayList<>();
        start(WorkerBuilder.named(queue).backend(storage).concurrency(1)
            .onEvent((ctx, event) -> {
                if (event instanceof WorkerEvent.TaskKilled kill) {
                    killed.add(kill);
                }
            })
            .build(Job.class, (job, ctx) -> ran.add(job.n())));

        List<TaskId> ids = storage.pushAll(List.of(new NewTask(queue, "{\"n\": \"not a number\"}", null),
                new NewTask(queue, "[1, 2, 3]", null), new NewTask(queue, "\"just text\"", null), numbered(queue, 7)));

        await().atMost(Duration.ofSeconds(5)).until(() -> ran.contains(7));
        assertThat(ran).containsExactly(7);
        await().atMost(Duration.ofSeconds(5)).until(() -> count(storage, queue, TaskStatus.KILLED) == 3);
        for (TaskId poison : ids.subList(0, 3)) {
            Task task = storage.find(poison).orElseThrow();
            assertThat(task.status()).isEqualTo(TaskStatus.KILLED);
            assertThat(task.attempts()).as("killed at once, not retried").isEqualTo(1);
            assertThat(task.lastError()).contains("Cannot read the payload as").contains(Job.class.getName());
        }
        assertThat(killed).hasSize(3);
        await().atMost(Duration.ofSeconds(5)).until(() -> storage.find(ids.get(3)).orElseThrow().status() == TaskStatus.DONE);
    }

    @Test
    void failedAttemptsArePersistedAndRetriedUntilTheLastOne() {
        AtomicInteger attemptsOfFlaky = new AtomicInteger();
        start(WorkerBuilder.named(queue).backend(storage)
            .retry(RetryPolicy.exponential(Duration.ofMillis(50), 2.0, Duration.ofMillis(200), 0.0).maxAttempts(3))
            .build(Job.class, (job, ctx) -> {
                if (job.n() == 1 && attemptsOfFlaky.incrementAndGet() < 3) {
                    throw new IllegalStateException("flaky failure " + ctx.attempt());
                }
                if (job.n() == 2) {
                    throw new IllegalStateException("always fails, attempt " + ctx.attempt());
                }
            }));

        TaskId flaky = storage.push(numbered(queue, 1));
        TaskId hopeless = storage.push(numbered(queue, 2, TaskOptions.defaults().maxAttempts(2)));

        await().atMost(Duration.ofSeconds(5)).until(() -> storage.find(flaky).orElseThrow().status() == TaskStatus.DONE
                && storage.find(hopeless).orElseThrow().status() == TaskStatus.KILLED);
        Task done = storage.find(flaky).orElseThrow();
        assertThat(done.attempts()).isEqualTo(3);
        assertThat(done.lastError()).as("success clears the last error").isNull();
        // the history of failed attempts stays: attempt, time and error of each, oldest first
        List<Map<String, Object>> history = jdbc.queryForList("""
                SELECT (e->>'attempt')::int AS attempt, e->>'error' AS error, (e->>'at')::timestamptz AS at
                FROM apalis.tasks, jsonb_array_elements(attempt_errors) e WHERE id = ?""", flaky.value());
        assertThat(history).extracting(row -> row.get("attempt")).containsExactly(1, 2);
        assertThat(history).extracting(row -> (String) row.get("error"))
            .satisfiesExactly(error -> assertThat(error).contains("flaky failure 1"),
                    error -> assertThat(error).contains("flaky failure 2"));
        assertThat(history).allSatisfy(row -> assertThat(row.get("at")).isNotNull());
        Task dead = storage.find(hopeless).orElseThrow();
        assertThat(dead.attempts()).isEqualTo(2);
        assertThat(dead.lastError()).contains("Gave up after 2 attempts").contains("always fails, attempt 2");
        assertThat(jdbc.queryForList("SELECT (e->>'attempt')::int FROM apalis.tasks, "
                + "jsonb_array_elements(attempt_errors) e WHERE id = ?", Integer.class, hopeless.value()))
            .containsExactly(1, 2);
    }

    @Test
    void withoutNotificationsWorkersFindTasksByPollingAtTheirInterval(DataSource dataSource) {
        Map<Integer, Instant> startedAt = new ConcurrentHashMap<>();
        try (PostgresStorage polling = PostgresStorage.builder(dataSource).notifications(false).maintenance(false)
            .build()) {
            start(WorkerBuilder.named(queue).backend(polling).pollInterval(Duration.ofMillis(300))
                .build(Job.class, (job, ctx) -> startedAt.put(job.n(), Instant.now())));
            for (int n = 1; n <= 2; n++) {
                int task = n;
                Instant pushedAt = Instant.now();
                TaskId id = polling.push(numbered(queue, task));
                await().atMost(Duration.ofSeconds(2)).until(() -> startedAt.containsKey(task));
                assertThat(Duration.between(pushedAt, startedAt.get(task))).isLessThan(Duration.ofMillis(1300));
                await().atMost(Duration.ofSeconds(2))
                    .until(() -> polling.find(id).orElseThrow().status() == TaskStatus.DONE);
            }
            assertThat(polling.listenerBackendPid()).as("no listening connection").isZero();
            stopWorkers();
        }
    }
}
