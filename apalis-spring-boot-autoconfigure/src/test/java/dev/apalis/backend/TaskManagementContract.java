package dev.apalis.backend;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import dev.apalis.task.NewTask;
import dev.apalis.task.Task;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskOptions;
import dev.apalis.task.TaskStatus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * What every {@link TaskManagement} must do, run against each backend by a subclass. Each test uses its
 * own queues.
 * @param <S> the backend
 */
public abstract class TaskManagementContract<S extends Backend & TaskManagement> {

    /** The backend under test, shared by the tests of a class. */
    protected abstract S storage();

    /** A second handle on the same store (another node), or the same one where there is only one. */
    protected abstract S otherNode();

    private TaskId push(String queue, int n) {
        return storage().push(new NewTask(queue, "{\"n\":" + n + "}", TaskOptions.defaults()));
    }

    private TaskId push(String queue, int n, TaskOptions options) {
        return storage().push(new NewTask(queue, "{\"n\":" + n + "}", options));
    }

    private TaskId killed(String queue, int n) {
        TaskId id = push(queue, n);
        assertThat(storage().claim(queue, "w", 1)).extracting(Task::id).containsExactly(id);
        storage().complete("w", List.of(Completion.kill(id, "broke " + n)));
        return id;
    }

    @Test
    void aTaskThatSucceededOnARetryIsNotShownAsFailing() {
        TaskId id = push("details-a", 1, TaskOptions.defaults().maxAttempts(5));
        storage().claim("details-a", "w", 1);
        storage().complete("w", List.of(Completion.retry(id, Duration.ZERO, "first try failed")));
        TaskDetails failing = storage().details(id).orElseThrow();
        assertThat(failing.task().status()).isEqualTo(TaskStatus.FAILED);
        assertThat(failing.error()).isEqualTo("first try failed");
        assertThat(failing.maxAttempts()).isEqualTo(5);

        assertThat(storage().claim("details-a", "w", 1)).extracting(Task::id).containsExactly(id);
        storage().complete("w", List.of(Completion.done(id)));

        TaskDetails done = storage().details(id).orElseThrow();
        assertThat(done.task().status()).isEqualTo(TaskStatus.DONE);
        assertThat(done.error()).as("a succeeded task has no error").isNull();
        assertThat(done.task().attempts()).isEqualTo(2);
        assertThat(storage().details(new TaskId(UUID.randomUUID()))).isEmpty();
    }

    @Test
    void listsAQueueByStatusNewestFirstInPagesWithoutGapsOrRepeats() {
        killed("list-a", 100);
        List<TaskId> pushed = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            pushed.add(push("list-a", i));
        }
        push("list-b", 99);

        List<Task> seen = new ArrayList<>();
        TaskCursor cursor = null;
        List<Integer> sizes = new ArrayList<>();
        do {
            TaskPage page = storage().list("list-a", TaskStatus.PENDING, cursor, 10);
            sizes.add(page.tasks().size());
            seen.addAll(page.tasks());
            cursor = page.next();
        }
        while (cursor != null);

        assertThat(sizes).containsExactly(10, 10, 5);
        assertThat(seen).extracting(Task::id).containsExactlyInAnyOrderElementsOf(pushed).doesNotHaveDuplicates();
        assertThat(seen).allSatisfy((task) -> assertThat(task.status()).isEqualTo(TaskStatus.PENDING));
        for (int i = 1; i < seen.size(); i++) {
            assertThat(seen.get(i).createdAt()).isBeforeOrEqualTo(seen.get(i - 1).createdAt());
        }
        assertThat(storage().list("list-a", TaskStatus.KILLED, null, 10).tasks()).hasSize(1);
        assertThat(TaskCursor.parse(new TaskCursor(Instant.now().truncatedTo(ChronoUnit.MICROS), pushed.get(0))
            .toString())).isNotNull();
    }

    @Test
    void correctionsAreGuardedByStatusAndNeverTouchARunningTask() {
        TaskId pending = push("guard", 1);
        TaskId running = push("guard", 2);
        storage().claim("guard", "w", 2);
        TaskId waiting = push("guard", 3);
        // pending is running too (claimed in the same batch): push another pending one
        TaskId stillPending = push("guard", 4);

        assertThat(storage().find(pending).orElseThrow().status()).isEqualTo(TaskStatus.RUNNING);
        assertThat(storage().cancel(running)).as("running").isFalse();
        assertThat(storage().retry(running)).as("running").isFalse();
        assertThat(storage().delete(running)).as("running").isFalse();
        assertThat(storage().reschedule(running, Instant.now().plusSeconds(60))).as("running").isFalse();
        assertThat(storage().find(running).orElseThrow().status()).isEqualTo(TaskStatus.RUNNING);

        Instant later = Instant.now().plusSeconds(3600).truncatedTo(ChronoUnit.MILLIS);
        assertThat(storage().reschedule(waiting, later)).isTrue();
        assertThat(storage().find(waiting).orElseThrow().runAt()).isEqualTo(later);
        assertThat(storage().claim("guard", "w", 10)).extracting(Task::id).containsExactly(stillPending);

        assertThat(storage().delete(waiting)).as("not finished").isFalse();
        assertThat(storage().cancel(waiting)).isTrue();
        assertThat(storage().cancel(waiting)).as("already killed").isFalse();
        assertThat(storage().details(waiting).orElseThrow().error()).isNotBlank();
        assertThat(storage().delete(waiting)).isTrue();
        assertThat(storage().find(waiting)).isEmpty();
        assertThat(storage().delete(waiting)).isFalse();
    }

    @Test
    void retryMakesAFailedTaskRunNowKeepingItsAttempts() {
        TaskId id = push("retry-failed", 1);
        storage().claim("retry-failed", "w", 1);
        storage().complete("w", List.of(Completion.retry(id, Duration.ofSeconds(3600), "later")));
        assertThat(storage().claim("retry-failed", "w", 1)).as("not due").isEmpty();

        assertThat(storage().retry(id)).isTrue();

        assertThat(storage().claim("retry-failed", "w", 1)).extracting(Task::id, Task::attempts)
            .containsExactly(org.assertj.core.groups.Tuple.tuple(id, 2));
    }

    @Test
    void bulkCorrectionsChangeEveryMatchingTaskAcrossBatches() {
        int count = TaskManagement.BATCH_SIZE * 2 + 17;
        List<NewTask> tasks = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            tasks.add(new NewTask("bulk", "{\"n\":" + i + "}", TaskOptions.defaults()));
        }
        storage().pushAll(tasks);
        Set<TaskId> claimed = new HashSet<>();
        List<Task> batch;
        while (!(batch = storage().claim("bulk", "w", 500)).isEmpty()) {
            storage().complete("w", batch.stream().map((task) -> Completion.kill(task.id(), "x")).toList());
            batch.forEach((task) -> claimed.add(task.id()));
        }
        assertThat(claimed).hasSize(count);
        TaskId other = killed("bulk-other", 1);

        assertThat(storage().retryAll("bulk", TaskStatus.KILLED)).isEqualTo(count);
        assertThat(storage().list("bulk", TaskStatus.KILLED, null, 10).tasks()).isEmpty();
        assertThat(storage().find(other).orElseThrow().status()).as("another queue").isEqualTo(TaskStatus.KILLED);

        assertThat(storage().cancelAll("bulk", TaskStatus.PENDING)).isEqualTo(count);
        assertThat(storage().deleteAll("bulk", TaskStatus.KILLED)).isEqualTo(count);
        assertThat(storage().list("bulk", TaskStatus.KILLED, null, 10).tasks()).isEmpty();
        assertThatIllegalArgumentException().isThrownBy(() -> storage().deleteAll("bulk", TaskStatus.PENDING))
            .withMessageContaining("DONE, KILLED");
    }

    @Test
    void retryAllOfKilledTasksSharingAUniqueKeyRetriesOneOfThem() {
        TaskOptions keyed = TaskOptions.defaults().uniqueKey("k");
        TaskId first = push("bulk-unique", 1, keyed);
        storage().claim("bulk-unique", "w", 1);
        storage().complete("w", List.of(Completion.kill(first, "x")));
        TaskId second = push("bulk-unique", 2, keyed);
        storage().claim("bulk-unique", "w", 1);
        storage().complete("w", List.of(Completion.kill(second, "x")));

        assertThat(storage().retryAll("bulk-unique", TaskStatus.KILLED)).isEqualTo(1);
        assertThat(storage().list("bulk-unique", TaskStatus.PENDING, null, 10).tasks()).hasSize(1);
        assertThat(storage().list("bulk-unique", TaskStatus.KILLED, null, 10).tasks()).hasSize(1);
    }

    @Test
    void findsTasksByUniqueKeyWhateverTheirStatusNewestFirst() {
        TaskOptions keyed = TaskOptions.defaults().uniqueKey("order-42");
        TaskId first = push("by-key", 1, keyed);
        storage().claim("by-key", "w", 1);
        storage().complete("w", List.of(Completion.done(first)));
        TaskId second = push("by-key", 2, keyed);
        TaskId elsewhere = push("by-key-other", 3, keyed);
        push("by-key", 4, TaskOptions.defaults().uniqueKey("order-43"));

        assertThat(storage().findByUniqueKey("by-key", "order-42", 10)).extracting(Task::id)
            .containsExactly(second, first);
        assertThat(storage().findByUniqueKey("by-key", "order-42", 1)).extracting(Task::id).containsExactly(second);
        assertThat(storage().findByUniqueKey(null, "order-42", 10)).extracting(Task::id)
            .containsExactlyInAnyOrder(first, second, elsewhere);
        assertThat(storage().findByUniqueKey("by-key", "no-such-key", 10)).isEmpty();
    }

    @Test
    void aPausedQueueIsSkippedByEveryNodeUntilItIsResumed() {
        TaskId id = push("paused", 1);
        assertThat(storage().pause("paused", "ops")).isTrue();
        assertThat(storage().pause("paused", "ops")).as("already paused").isFalse();
        assertThat(otherNode().pausedQueues()).contains("paused");

        assertThat(otherNode().claim("paused", "w", 10)).isEmpty();
        assertThat(storage().claim("paused", "w", 10)).isEmpty();
        push("not-paused", 1);
        assertThat(otherNode().claim("not-paused", "w", 10)).hasSize(1);

        assertThat(otherNode().resume("paused", "ops")).isTrue();
        assertThat(otherNode().resume("paused", "ops")).as("not paused").isFalse();
        assertThat(storage().pausedQueues()).doesNotContain("paused");
        assertThat(storage().claim("paused", "w", 10)).extracting(Task::id).containsExactly(id);
    }
}
