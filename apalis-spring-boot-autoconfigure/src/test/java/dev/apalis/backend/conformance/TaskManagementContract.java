package dev.apalis.backend.conformance;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import dev.apalis.backend.Completion;
import dev.apalis.backend.TaskCursor;
import dev.apalis.backend.TaskDetails;
import dev.apalis.backend.TaskManagement;
import dev.apalis.backend.TaskPage;
import dev.apalis.task.NewTask;
import dev.apalis.task.Task;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskOptions;
import dev.apalis.task.TaskStatus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * What every {@link TaskManagement} does: details with the bounded history of failed attempts, listings
 * in pages, corrections guarded by status, bulk corrections in batches, and a pause of a queue that every
 * node sharing the store honours.
 */
public interface TaskManagementContract extends BackendFixture {

    /**
     * The backend's management part; skips the test when it has none.
     * @return the backend as {@link TaskManagement}
     */
    private TaskManagement management() {
        Assumptions.assumeTrue(backend() instanceof TaskManagement, "the backend does not implement TaskManagement");
        return (TaskManagement) backend();
    }

    /**
     * The other node's management part.
     * @return the peer as {@link TaskManagement}
     */
    private TaskManagement otherNode() {
        return (TaskManagement) peer();
    }

    private TaskId killed(String queue, String worker, String error) {
        TaskId id = push(queue);
        assertThat(claim(queue, worker, 1)).extracting(Task::id).containsExactly(id);
        backend().complete(worker, List.of(Completion.kill(id, error)));
        return id;
    }

    @Test
    default void aTaskThatSucceededOnARetryIsNotShownAsFailingAndKeepsItsAttemptErrors() {
        TaskManagement management = management();
        String queue = queue("details");
        TaskId id = push(queue, TaskOptions.defaults().maxAttempts(5));
        String worker = worker(queue);
        claim(queue, worker, 1);
        backend().complete(worker, List.of(Completion.retry(id, Duration.ZERO, "first try failed")));
        TaskDetails failing = management.details(id).orElseThrow();
        assertThat(failing.task().status()).isEqualTo(TaskStatus.FAILED);
        assertThat(failing.error()).isEqualTo("first try failed");
        assertThat(failing.maxAttempts()).isEqualTo(5);

        assertThat(claim(queue, worker, 1)).extracting(Task::id).containsExactly(id);
        backend().complete(worker, List.of(Completion.done(id)));

        TaskDetails done = management.details(id).orElseThrow();
        assertThat(done.task().status()).isEqualTo(TaskStatus.DONE);
        assertThat(done.error()).as("a succeeded task has no error").isNull();
        assertThat(done.task().attempts()).isEqualTo(2);
        assertThat(done.attemptErrors()).singleElement().satisfies((error) -> {
            assertThat(error.attempt()).isEqualTo(1);
            assertThat(error.error()).isEqualTo("first try failed");
            assertThat(error.at()).isNotNull();
        });
        assertThat(management.details(new TaskId(UUID.randomUUID()))).isEmpty();
    }

    @Test
    default void theAttemptHistoryIsBoundedAndKeepsTheLatestErrors() {
        TaskManagement management = management();
        String queue = queue("history");
        int attempts = 25;
        TaskId id = push(queue, TaskOptions.defaults().maxAttempts(attempts));
        String worker = worker(queue);
        for (int i = 1; i < attempts; i++) {
            assertThat(claim(queue, worker, 1)).extracting(Task::attempts).containsExactly(i);
            backend().complete(worker, List.of(Completion.retry(id, Duration.ZERO, "failure " + i)));
        }
        assertThat(claim(queue, worker, 1)).hasSize(1);
        backend().complete(worker, List.of(Completion.kill(id, "failure " + attempts)));

        TaskDetails details = management.details(id).orElseThrow();
        assertThat(details.error()).isEqualTo("failure " + attempts);
        assertThat(details.attemptErrors()).isNotEmpty().hasSizeLessThan(attempts);
        assertThat(details.attemptErrors().get(details.attemptErrors().size() - 1).attempt()).isEqualTo(attempts);
        List<Integer> numbers = details.attemptErrors().stream().map((error) -> error.attempt()).toList();
        assertThat(numbers).isSorted();
        assertThat(numbers.get(0)).as("the oldest dropped first").isEqualTo(attempts - numbers.size() + 1);
    }

    @Test
    default void findsTasksByUniqueKeyWhateverTheirStatusNewestFirst() {
        String queue = queue("by-key");
        String other = queue("by-key-other");
        String key = "order-" + UUID.randomUUID();
        TaskOptions keyed = TaskOptions.defaults().uniqueKey(key);
        TaskId first = push(queue, keyed);
        assertThat(claim(queue, "w", 1)).extracting(Task::id).containsExactly(first);
        backend().complete("w", List.of(Completion.done(first)));
        TaskId second = push(queue, keyed);
        TaskId elsewhere = push(other, keyed);
        push(queue, TaskOptions.defaults().uniqueKey(key + "-other"));

        assertThat(management().findByUniqueKey(queue, key, 10)).extracting(Task::id).containsExactly(second, first);
        assertThat(management().findByUniqueKey(queue, key, 1)).extracting(Task::id).containsExactly(second);
        assertThat(management().findByUniqueKey(null, key, 10)).extracting(Task::id)
            .containsExactlyInAnyOrder(first, second, elsewhere);
        assertThat(management().findByUniqueKey(queue, "no-such-key", 10)).isEmpty();
    }

    @Test
    default void listsAQueueByStatusNewestFirstInPagesWithoutGapsOrRepeats() {
        TaskManagement management = management();
        String queue = queue("list");
        killed(queue, worker(queue), "broke");
        List<TaskId> pushed = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            pushed.add(push(queue));
        }
        push(queue("list-other"));

        List<Task> seen = new ArrayList<>();
        TaskCursor cursor = null;
        List<Integer> sizes = new ArrayList<>();
        do {
            TaskPage page = management.list(queue, TaskStatus.PENDING, cursor, 10);
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
        assertThat(management.list(queue, TaskStatus.KILLED, null, 10).tasks()).hasSize(1);
        assertThat(TaskCursor.parse(new TaskCursor(Instant.now().truncatedTo(ChronoUnit.MICROS), pushed.get(0))
            .toString())).isNotNull();
    }

    @Test
    default void correctionsAreGuardedByStatusAndNeverTouchARunningTask() {
        TaskManagement management = management();
        String queue = queue("guarded");
        String worker = worker(queue);
        TaskId first = push(queue);
        TaskId running = push(queue);
        claim(queue, worker, 2);
        TaskId waiting = push(queue);
        TaskId stillPending = push(queue);

        assertThat(task(first).status()).isEqualTo(TaskStatus.RUNNING);
        assertThat(management.cancel(running)).as("running").isFalse();
        assertThat(management.retry(running)).as("running").isFalse();
        assertThat(management.delete(running)).as("running").isFalse();
        assertThat(management.reschedule(running, now().plusSeconds(60))).as("running").isFalse();
        assertThat(task(running).status()).isEqualTo(TaskStatus.RUNNING);

        Instant later = now().plusSeconds(3600).truncatedTo(ChronoUnit.MILLIS);
        assertThat(management.reschedule(waiting, later)).isTrue();
        assertThat(task(waiting).runAt()).isEqualTo(later);
        assertThat(claim(queue, worker, 10)).extracting(Task::id).containsExactly(stillPending);

        assertThat(management.delete(waiting)).as("not finished").isFalse();
        assertThat(management.cancel(waiting)).isTrue();
        assertThat(management.cancel(waiting)).as("already killed").isFalse();
        assertThat(management.details(waiting).orElseThrow().error()).isNotBlank();
        assertThat(management.delete(waiting)).isTrue();
        assertThat(backend().find(waiting)).isEmpty();
        assertThat(management.delete(waiting)).isFalse();
    }

    @Test
    default void retryMakesAFailedTaskRunNowKeepingItsAttempts() {
        TaskManagement management = management();
        String queue = queue("retry-failed");
        String worker = worker(queue);
        TaskId id = push(queue);
        claim(queue, worker, 1);
        backend().complete(worker, List.of(Completion.retry(id, Duration.ofSeconds(3600), "later")));
        assertThat(claim(queue, worker, 1)).as("not due").isEmpty();

        assertThat(management.retry(id)).isTrue();

        assertThat(claim(queue, worker, 1)).extracting(Task::id, Task::attempts).containsExactly(Tuple.tuple(id, 2));
    }

    @Test
    default void bulkCorrectionsChangeEveryMatchingTaskAcrossBatches() {
        TaskManagement management = management();
        String queue = queue("bulk");
        String worker = worker(queue);
        int count = TaskManagement.BATCH_SIZE * 2 + 17;
        List<NewTask> tasks = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            tasks.add(new NewTask(queue, "{\"n\":" + i + "}", TaskOptions.defaults()));
        }
        backend().pushAll(tasks);
        Set<TaskId> claimed = new HashSet<>();
        List<Task> batch;
        while (!(batch = claim(queue, worker, 500)).isEmpty()) {
            backend().complete(worker, batch.stream().map((task) -> Completion.kill(task.id(), "x")).toList());
            batch.forEach((task) -> claimed.add(task.id()));
        }
        assertThat(claimed).hasSize(count);
        String otherQueue = queue("bulk-other");
        TaskId other = killed(otherQueue, worker(otherQueue), "x");

        assertThat(management.retryAll(queue, TaskStatus.KILLED)).isEqualTo(count);
        assertThat(management.list(queue, TaskStatus.KILLED, null, 10).tasks()).isEmpty();
        assertThat(task(other).status()).as("another queue").isEqualTo(TaskStatus.KILLED);

        assertThat(management.cancelAll(queue, TaskStatus.PENDING)).isEqualTo(count);
        assertThat(management.deleteAll(queue, TaskStatus.KILLED)).isEqualTo(count);
        assertThat(management.list(queue, TaskStatus.KILLED, null, 10).tasks()).isEmpty();
        assertThatIllegalArgumentException().isThrownBy(() -> management.deleteAll(queue, TaskStatus.PENDING))
            .withMessageContaining("DONE, KILLED");
    }

    @Test
    default void retryAllOfKilledTasksSharingAUniqueKeyRetriesOneOfThem() {
        TaskManagement management = management();
        String queue = queue("bulk-unique");
        String worker = worker(queue);
        TaskOptions keyed = TaskOptions.defaults().uniqueKey("k");
        TaskId first = push(queue, keyed);
        claim(queue, worker, 1);
        backend().complete(worker, List.of(Completion.kill(first, "x")));
        TaskId second = push(queue, keyed);
        claim(queue, worker, 1);
        backend().complete(worker, List.of(Completion.kill(second, "x")));

        assertThat(management.retryAll(queue, TaskStatus.KILLED)).isEqualTo(1);
        assertThat(management.list(queue, TaskStatus.PENDING, null, 10).tasks()).hasSize(1);
        assertThat(management.list(queue, TaskStatus.KILLED, null, 10).tasks()).hasSize(1);
    }

    @Test
    default void aPausedQueueIsSkippedByEveryNodeUntilItIsResumed() {
        TaskManagement management = management();
        String queue = queue("paused");
        String worker = worker(queue);
        TaskId id = push(queue);
        assertThat(management.pause(queue, "ops")).isTrue();
        assertThat(management.pause(queue, "ops")).as("already paused").isFalse();
        assertThat(otherNode().pausedQueues()).contains(queue);

        assertThat(peer().claim(queue, worker, 10)).isEmpty();
        assertThat(claim(queue, worker, 10)).isEmpty();
        String running = queue("not-paused");
        push(running);
        assertThat(peer().claim(running, worker, 10)).hasSize(1);

        assertThat(otherNode().resume(queue, "ops")).isTrue();
        assertThat(otherNode().resume(queue, "ops")).as("not paused").isFalse();
        assertThat(management.pausedQueues()).doesNotContain(queue);
        assertThat(claim(queue, worker, 10)).extracting(Task::id).containsExactly(id);
    }
}
