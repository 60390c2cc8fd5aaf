package dev.apalis.backend.postgres;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

import org.springframework.jdbc.core.JdbcTemplate;

import dev.apalis.backend.Completion;
import dev.apalis.backend.WorkerRegistration;
import dev.apalis.task.Task;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskOptions;
import dev.apalis.task.TaskStatus;
import dev.apalis.test.PostgresDatabase;

import static dev.apalis.backend.postgres.TestTasks.numbered;
import static dev.apalis.backend.postgres.TestTasks.ns;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Claims, completions and releases against a real PostgreSQL: order, delays, attempts, and the owner
 * guard on every write.
 */
@PostgresDatabase
class PostgresClaimTest {

    private static PostgresStorage storage;

    private static JdbcTemplate jdbc;

    private String queue;

    @BeforeAll
    static void createStorage(DataSource dataSource) {
        storage = PostgresStorage.builder(dataSource).maintenance(false).build();
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

    @Test
    void claimsByPriorityThenRunTimeThenId() {
        Instant base = Instant.now().minusSeconds(60);
        TaskOptions options = TaskOptions.defaults();
        // pushed in an order that differs from the claim order
        storage.pushAll(List.of(
                numbered(queue, 1, options.priority(5).runAt(base.plusSeconds(1))),
                numbered(queue, 2, options.priority(0).runAt(base.plusSeconds(3))),
                numbered(queue, 3, options.priority(0).runAt(base.plusSeconds(2))),
                numbered(queue, 4, options.priority(-1).runAt(base.plusSeconds(10))),
                numbered(queue, 5, options.priority(0).runAt(base.plusSeconds(2))),
                numbered(queue, 6, options.priority(0).runAt(base.plusSeconds(2)))));
        // 3, 5 and 6 tie on priority and run time: their ids (time-ordered, pushed in that order) decide

        List<Integer> inPairs = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            inPairs.addAll(ns(storage.claim(queue, "w1", 2)));
        }
        assertThat(inPairs).containsExactly(4, 3, 5, 6, 2, 1);
        assertThat(storage.claim(queue, "w1", 2)).isEmpty();

        String other = queue + "-at-once";
        storage.pushAll(List.of(
                numbered(other, 1, options.priority(5).runAt(base.plusSeconds(1))),
                numbered(other, 2, options.priority(0).runAt(base.plusSeconds(3))),
                numbered(other, 3, options.priority(0).runAt(base.plusSeconds(2))),
                numbered(other, 4, options.priority(-1).runAt(base.plusSeconds(10))),
                numbered(other, 5, options.priority(0).runAt(base.plusSeconds(2))),
                numbered(other, 6, options.priority(0).runAt(base.plusSeconds(2)))));
        assertThat(ns(storage.claim(other, "w1", 100))).containsExactly(4, 3, 5, 6, 2, 1);
    }

    @Test
    void batchPushedTasksWithOneRunTimeAreClaimedInPushOrder() {
        storage.pushAll(TestTasks.numbered(queue, 0, 500));
        List<Integer> claimed = new ArrayList<>();
        List<Task> batch;
        while (!(batch = storage.claim(queue, "w1", 64)).isEmpty()) {
            claimed.addAll(ns(batch));
        }
        assertThat(claimed).hasSize(500).isSorted();
    }

    @Test
    void claimMarksTasksRunningUnderTheWorkerAndCountsTheAttempt() {
        TaskId id = storage.push(numbered(queue, 1, TaskOptions.defaults().maxAttempts(3).uniqueKey("k")
            .metadata("trace", "abc")));

        List<Task> claimed = storage.claim(queue, "worker-a", 10);

        assertThat(claimed).singleElement().satisfies(task -> {
            assertThat(task.id()).isEqualTo(id);
            assertThat(task.queue()).isEqualTo(queue);
            assertThat(task.status()).isEqualTo(TaskStatus.RUNNING);
            assertThat(task.attempts()).isEqualTo(1);
            assertThat(task.maxAttempts()).isEqualTo(3);
            assertThat(task.uniqueKey()).isEqualTo("k");
            assertThat(task.metadata()).containsEntry("trace", "abc");
            assertThat(task.createdAt()).isNotNull();
        });
        assertThat(storage.find(id)).get().extracting(Task::status, Task::attempts)
            .containsExactly(TaskStatus.RUNNING, 1);
        assertThat(jdbc.queryForObject("SELECT lock_owner FROM apalis.tasks WHERE id = ?", String.class, id.value()))
            .isEqualTo("worker-a");
        assertThat(storage.claim(queue, "worker-b", 10)).as("a running task is not claimed twice").isEmpty();
        assertThat(storage.claim(queue, "worker-b", 0)).isEmpty();
    }

    @Test
    void delayedTaskIsNotClaimedBeforeItsRunTime() {
        Instant pushedAt = Instant.now();
        TaskId id = storage.push(numbered(queue, 1, TaskOptions.defaults().delay(Duration.ofMillis(1500))));
        Instant runAt = storage.find(id).orElseThrow().runAt();
        assertThat(runAt).isBetween(pushedAt.plusMillis(1400), pushedAt.plusMillis(1700));

        assertThat(storage.claim(queue, "w1", 10)).isEmpty();
        assertThat(storage.nextRunIn(queue)).hasValueSatisfying(
                in -> assertThat(in).isBetween(Duration.ofMillis(1), Duration.ofMillis(1700)));

        List<Task> claimed = new ArrayList<>();
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(20))
            .until(() -> claimed.addAll(storage.claim(queue, "w1", 10)));
        Instant claimedAt = Instant.now();
        assertThat(claimed).extracting(Task::id).containsExactly(id);
        assertThat(claimedAt).isAfterOrEqualTo(runAt);
        assertThat(storage.nextRunIn(queue)).isEmpty();
    }

    @Test
    void nextRunInIsTheTimeUntilTheEarliestFutureRunTimeOverAllPriorities() {
        assertThat(storage.nextRunIn(queue)).isEmpty();
        Instant now = Instant.now();
        storage.pushAll(List.of(
                numbered(queue, 1, TaskOptions.defaults().priority(5).runAt(now.plusSeconds(20))),
                numbered(queue, 2, TaskOptions.defaults().priority(0).runAt(now.plusSeconds(30))),
                numbered(queue, 3, TaskOptions.defaults().priority(-3).runAt(now.plusSeconds(25))),
                numbered(queue, 4, TaskOptions.defaults().priority(9).runAt(now.plusSeconds(10))),
                numbered(queue, 5, TaskOptions.defaults().priority(1)),
                numbered(queue + "-other", 6, TaskOptions.defaults().runAt(now.plusSeconds(1)))));

        Optional<Duration> next = storage.nextRunIn(queue);

        assertThat(next).isPresent();
        Duration elapsed = Duration.between(now, Instant.now());
        assertThat(next.get().plus(elapsed).toMillis()).isBetween(9_900L, 10_100L);
        assertThat(storage.nextRunIn("nothing-here")).isEmpty();
    }

    @Test
    void completeWritesDoneRetryAndKillInOneBatch() {
        List<TaskId> ids = storage.pushAll(TestTasks.numbered(queue, 1, 4));
        assertThat(storage.claim(queue, "w1", 10)).hasSize(3);
        Instant before = Instant.now();

        storage.complete("w1", List.of(Completion.done(ids.get(0)), Completion.retry(ids.get(1), Duration.ofHours(1), "boom"),
                Completion.kill(ids.get(2), "bad input")));

        Task done = storage.find(ids.get(0)).orElseThrow();
        assertThat(done.status()).isEqualTo(TaskStatus.DONE);
        assertThat(done.finishedAt()).isNotNull();
        Task failed = storage.find(ids.get(1)).orElseThrow();
        assertThat(failed.status()).isEqualTo(TaskStatus.FAILED);
        assertThat(failed.lastError()).isEqualTo("boom");
        assertThat(failed.runAt()).isBetween(before.plus(Duration.ofHours(1)).minusSeconds(1),
                Instant.now().plus(Duration.ofHours(1)).plusSeconds(1));
        assertThat(failed.finishedAt()).isNull();
        assertThat(failed.attempts()).isEqualTo(1);
        Task killed = storage.find(ids.get(2)).orElseThrow();
        assertThat(killed.status()).isEqualTo(TaskStatus.KILLED);
        assertThat(killed.lastError()).isEqualTo("bad input");
        assertThat(killed.finishedAt()).isNotNull();
        assertThat(storage.nextRunIn(queue)).hasValueSatisfying(
                in -> assertThat(in).isBetween(Duration.ofMinutes(59), Duration.ofHours(1)));
    }

    @Test
    void failedTaskIsClaimedAgainAtItsRetryTimeWithTheNextAttempt() {
        TaskId id = storage.push(numbered(queue, 1));
        storage.claim(queue, "w1", 1);
        storage.complete("w1", List.of(Completion.retry(id, Duration.ZERO, "first failure")));

        List<Task> again = storage.claim(queue, "w2", 1);

        assertThat(again).singleElement().satisfies(task -> {
            assertThat(task.attempts()).isEqualTo(2);
            assertThat(task.lastError()).isEqualTo("first failure");
        });
        storage.complete("w2", List.of(Completion.done(id)));
        assertThat(storage.find(id).orElseThrow()).extracting(Task::status, Task::attempts, Task::lastError)
            .containsExactly(TaskStatus.DONE, 2, null);
        assertThat(jdbc.queryForObject("SELECT jsonb_array_length(attempt_errors) FROM apalis.tasks WHERE id = ?",
                Integer.class, id.value())).as("the failed attempt stays in the history").isEqualTo(1);
    }

    @Test
    void theAttemptHistoryKeepsTheLastTenFailuresWithTheirErrorsCutTo4000Characters() {
        TaskId id = storage.push(numbered(queue, 1));
        for (int attempt = 1; attempt <= 12; attempt++) {
            assertThat(storage.claim(queue, "w1", 1)).singleElement().extracting(Task::attempts).isEqualTo(attempt);
            storage.complete("w1", List.of(Completion.retry(id, Duration.ZERO, "failure " + attempt + " " + "x".repeat(5000))));
        }
        List<Map<String, Object>> history = jdbc.queryForList("""
                SELECT (e->>'attempt')::int AS attempt, length(e->>'error') AS length
                FROM apalis.tasks, jsonb_array_elements(attempt_errors) e WHERE id = ?""", id.value());
        assertThat(history).extracting(row -> row.get("attempt")).containsExactly(3, 4, 5, 6, 7, 8, 9, 10, 11, 12);
        assertThat(history).extracting(row -> row.get("length")).containsOnly(4000);
    }

    @Test
    void releasedTasksGoBackToTheQueueWithTheAttemptTakenBack() {
        List<TaskId> ids = storage.pushAll(TestTasks.numbered(queue, 1, 3));
        assertThat(storage.claim(queue, "w1", 10)).hasSize(2);

        storage.release("w2", ids);
        assertThat(storage.find(ids.get(0)).orElseThrow().status()).as("only the owner releases")
            .isEqualTo(TaskStatus.RUNNING);

        storage.release("w1", ids);

        assertThat(ids).allSatisfy(id -> assertThat(storage.find(id).orElseThrow())
            .extracting(Task::status, Task::attempts).containsExactly(TaskStatus.PENDING, 0));
        assertThat(storage.claim(queue, "w3", 10)).extracting(Task::attempts).containsExactly(1, 1);
    }

    @Test
    void lateReportsFromAWorkerThatLostItsClaimChangeNothing() {
        TaskId id = storage.push(numbered(queue, 1));
        storage.register(new WorkerRegistration("lost", "lost", queue));
        assertThat(storage.claim(queue, "lost", 1)).hasSize(1);
        // the worker "lost" stops heart-beating and its claim expires: make that so without waiting
        jdbc.update("UPDATE apalis.workers SET last_heartbeat = now() - interval '1 hour' WHERE id = 'lost'");
        jdbc.update("UPDATE apalis.tasks SET locked_at = now() - interval '1 hour' WHERE id = ?", id.value());
        assertThat(storage.maintenance().rescue()).isEqualTo(1);
        assertThat(storage.claim(queue, "winner", 1)).extracting(Task::attempts).containsExactly(2);

        storage.complete("lost", List.of(Completion.kill(id, "late kill")));
        storage.release("lost", List.of(id));
        assertThat(storage.find(id).orElseThrow().status()).as("still running under the winner")
            .isEqualTo(TaskStatus.RUNNING);

        storage.complete("winner", List.of(Completion.done(id)));
        storage.complete("lost", List.of(Completion.retry(id, Duration.ZERO, "late retry")));

        Task task = storage.find(id).orElseThrow();
        assertThat(task.status()).isEqualTo(TaskStatus.DONE);
        assertThat(task.attempts()).isEqualTo(2);
        assertThat(task.lastError()).isNull();
        assertThat(jdbc.queryForObject("SELECT attempt_errors->0->>'error' FROM apalis.tasks WHERE id = ?", String.class,
                id.value())).contains("worker lost stopped heart-beating");
    }

    @Test
    void tasksOfOtherQueuesAreNotClaimed() {
        storage.push(numbered(queue + "-a", 1));
        assertThat(storage.claim(queue + "-b", "w1", 10)).isEmpty();
        assertThat(storage.claim(queue + "-a", "w1", 10)).hasSize(1);
    }

    @Test
    void everyWriteWorksWithNotificationsTurnedOff(DataSource dataSource) {
        try (PostgresStorage quiet = PostgresStorage.builder(dataSource).schema("quiet").notifications(false)
            .maintenance(false).orphanThreshold(Duration.ofSeconds(1)).build()) {
            List<TaskId> ids = quiet.pushAll(TestTasks.numbered(queue, 0, 3));
            assertThat(quiet.claim(queue, "w1", 3)).hasSize(3);
            quiet.release("w1", List.of(ids.get(0)));
            quiet.complete("w1", List.of(Completion.kill(ids.get(1), "dead")));
            assertThat(quiet.retry(ids.get(1))).isTrue();
            jdbc.update("UPDATE quiet.tasks SET locked_at = now() - interval '1 hour' WHERE id = ?", ids.get(2).value());
            assertThat(quiet.maintenance().rescue()).isEqualTo(1);
            try (var subscription = quiet.subscribe(queue, () -> {
            })) {
                assertThat(quiet.listenerBackendPid()).isZero();
            }
            assertThat(ids).allSatisfy(id -> assertThat(quiet.find(id).orElseThrow().status())
                .isEqualTo(TaskStatus.PENDING));
        }
    }
}
