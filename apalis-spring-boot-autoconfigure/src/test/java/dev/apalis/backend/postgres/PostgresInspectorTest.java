package dev.apalis.backend.postgres;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.apalis.backend.Completion;
import dev.apalis.backend.QueueCount;
import dev.apalis.task.Task;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskOptions;
import dev.apalis.task.TaskStatus;
import dev.apalis.test.PostgresDatabase;

import static dev.apalis.backend.postgres.TestTasks.numbered;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The operators' look-ups and corrections.
 */
@PostgresDatabase
class PostgresInspectorTest {

    private static PostgresStorage storage;

    @BeforeAll
    static void createStorage(DataSource dataSource) {
        storage = PostgresStorage.builder(dataSource).schema("inspect").maintenance(false).build();
    }

    @AfterAll
    static void closeStorage() {
        storage.close();
    }

    /** Makes a killed task in its own queue. */
    private static TaskId killed(String queue, TaskOptions options) {
        TaskId id = storage.push(numbered(queue, 1, options));
        storage.claim(queue, "w", 1);
        storage.complete("w", List.of(Completion.kill(id, "it broke")));
        return id;
    }

    @Test
    void countsTasksByQueueAndStatus() {
        List<TaskId> a = storage.pushAll(TestTasks.numbered("count-a", 0, 5));
        storage.pushAll(TestTasks.numbered("count-b", 0, 2));
        storage.claim("count-a", "w", 3);
        storage.complete("w", List.of(Completion.done(a.get(0)), Completion.kill(a.get(1), "x"),
                Completion.retry(a.get(2), Duration.ofSeconds(60), "y")));
        storage.claim("count-b", "w", 1);

        List<QueueCount> counts = storage.countByQueueAndStatus().stream()
            .filter(count -> count.queue().startsWith("count-"))
            .toList();

        assertThat(counts).containsExactly(new QueueCount("count-a", TaskStatus.DONE, 1),
                new QueueCount("count-a", TaskStatus.FAILED, 1), new QueueCount("count-a", TaskStatus.KILLED, 1),
                new QueueCount("count-a", TaskStatus.PENDING, 2), new QueueCount("count-b", TaskStatus.PENDING, 1),
                new QueueCount("count-b", TaskStatus.RUNNING, 1));
    }

    @Test
    void findsATaskWithEverythingStoredAboutIt() {
        Instant runAt = Instant.parse("2031-05-06T07:08:09.123456Z");
        TaskId id = storage.push(numbered("find", 42, TaskOptions.defaults().runAt(runAt).priority(-2).maxAttempts(4)
            .uniqueKey("the-one").metadata("tenant", "acme")));

        Task task = storage.find(id).orElseThrow();

        assertThat(task.id()).isEqualTo(id);
        assertThat(task.queue()).isEqualTo("find");
        assertThat(TestTasks.n(task)).isEqualTo(42);
        assertThat(task.status()).isEqualTo(TaskStatus.PENDING);
        assertThat(task.attempts()).isZero();
        assertThat(task.maxAttempts()).isEqualTo(4);
        assertThat(task.priority()).isEqualTo(-2);
        assertThat(task.runAt()).isEqualTo(runAt);
        assertThat(task.lastError()).isNull();
        assertThat(task.uniqueKey()).isEqualTo("the-one");
        assertThat(task.metadata()).containsOnlyKeys("tenant");
        assertThat(task.createdAt()).isBetween(Instant.now().minusSeconds(60), Instant.now().plusSeconds(1));
        assertThat(task.finishedAt()).isNull();
        assertThat(storage.find(new TaskId(UUID.randomUUID()))).isEmpty();
    }

    @Test
    void retryPutsAKilledTaskBackToRunNowWithItsAttemptsReset() {
        TaskId id = killed("retry", TaskOptions.defaults());

        assertThat(storage.retry(id)).isTrue();

        Task task = storage.find(id).orElseThrow();
        assertThat(task.status()).isEqualTo(TaskStatus.PENDING);
        assertThat(task.attempts()).isZero();
        assertThat(task.finishedAt()).isNull();
        assertThat(task.runAt()).isBefore(Instant.now().plusSeconds(1));
        assertThat(storage.claim("retry", "w2", 1)).extracting(Task::id, Task::attempts).containsExactly(
                org.assertj.core.groups.Tuple.tuple(id, 1));
        assertThat(storage.retry(id)).as("only killed tasks").isFalse();
        assertThat(storage.retry(new TaskId(UUID.randomUUID()))).isFalse();
    }

    @Test
    void retryIsRefusedWhileAnUnfinishedTaskHoldsTheSameUniqueKey() {
        TaskOptions unique = TaskOptions.defaults().uniqueKey("invoice-7");
        TaskId dead = killed("retry-unique", unique);
        TaskId holder = storage.push(numbered("retry-unique", 2, unique));
        assertThat(holder).isNotEqualTo(dead);

        assertThat(storage.retry(dead)).isFalse();
        assertThat(storage.find(dead).orElseThrow().status()).isEqualTo(TaskStatus.KILLED);

        assertThat(storage.cancel(holder)).isTrue();
        assertThat(storage.retry(dead)).isTrue();
        assertThat(storage.push(numbered("retry-unique", 3, unique))).isEqualTo(dead);
    }

    @Test
    void cancelKillsOnlyWaitingTasks() {
        TaskId failed = storage.push(numbered("cancel", 1));
        TaskId pending = storage.push(numbered("cancel", 2));
        TaskId running = storage.push(numbered("cancel", 3, TaskOptions.defaults().priority(-1)));
        assertThat(storage.claim("cancel", "w", 2)).extracting(Task::id).containsExactly(running, failed);
        storage.complete("w", List.of(Completion.retry(failed, Duration.ofHours(1), "later")));
        assertThat(storage.find(failed).orElseThrow().status()).isEqualTo(TaskStatus.FAILED);
        TaskId done = storage.push(numbered("cancel-done", 4));
        storage.claim("cancel-done", "w", 1);
        storage.complete("w", List.of(Completion.done(done)));

        assertThat(storage.cancel(pending)).isTrue();
        assertThat(storage.cancel(failed)).isTrue();
        assertThat(storage.cancel(running)).isFalse();
        assertThat(storage.cancel(done)).isFalse();
        assertThat(storage.cancel(pending)).as("already killed").isFalse();
        assertThat(storage.cancel(new TaskId(UUID.randomUUID()))).isFalse();

        for (TaskId id : List.of(pending, failed)) {
            Task task = storage.find(id).orElseThrow();
            assertThat(task.status()).isEqualTo(TaskStatus.KILLED);
            assertThat(task.lastError()).isEqualTo("Cancelled by an operator");
            assertThat(task.finishedAt()).isNotNull();
        }
        assertThat(storage.find(running).orElseThrow().status()).isEqualTo(TaskStatus.RUNNING);
        assertThat(storage.find(done).orElseThrow().status()).isEqualTo(TaskStatus.DONE);
        assertThat(storage.claim("cancel", "w", 10)).isEmpty();
    }
}
