package dev.apalis.backend.conformance;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import dev.apalis.backend.Backend;
import dev.apalis.backend.BackendCapability;
import dev.apalis.backend.ClaimRequest;
import dev.apalis.backend.Completion;
import dev.apalis.backend.QueueCount;
import dev.apalis.backend.TaskStore;
import dev.apalis.task.NewTask;
import dev.apalis.task.Task;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskOptions;
import dev.apalis.task.TaskStatus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What every {@link TaskStore} does: atomic pushes, unique keys, claim order and delays, exclusive claims
 * under concurrent claimers, attempts charged when handlers start, guarded outcomes, retry bookkeeping
 * and releases without charge.
 */
public interface TaskStoreContract extends BackendFixture {

    @Test
    default void aPushedTaskIsPendingWithItsOptions() {
        String queue = queue("push");
        TaskId id = push(queue, TaskOptions.defaults().priority(3).maxAttempts(4).metadata("tenant", "acme"));

        Task task = task(id);
        assertThat(task.queue()).isEqualTo(queue);
        assertThat(task.status()).isEqualTo(TaskStatus.PENDING);
        assertThat(task.attempts()).isZero();
        assertThat(task.maxAttempts()).isEqualTo(4);
        assertThat(task.priority()).isEqualTo(3);
        assertThat(task.metadata()).containsEntry("tenant", "acme");
        assertThat(task.payload().replace(" ", "")).isEqualTo("{\"n\":1}");
        assertThat(task.runAt()).as("due at once").isBeforeOrEqualTo(now());
    }

    @Test
    default void aBatchPushAnswersIdsInOrderAndStoresAKeyRepeatedInItOnce() {
        String queue = queue("batch");
        List<NewTask> tasks = List.of(new NewTask(queue, "{\"n\":1}", TaskOptions.defaults()),
                new NewTask(queue, "{\"n\":2}", TaskOptions.defaults().uniqueKey("k")),
                new NewTask(queue, "{\"n\":3}", TaskOptions.defaults().uniqueKey("k")),
                new NewTask(queue, "{\"n\":4}", TaskOptions.defaults().priority(-1)));

        List<TaskId> ids = backend().pushAll(tasks);

        assertThat(ids).hasSize(4);
        assertThat(ids.get(2)).as("the key is held by the second task").isEqualTo(ids.get(1));
        assertThat(task(ids.get(0)).payload().replace(" ", "")).isEqualTo("{\"n\":1}");
        assertThat(task(ids.get(3)).priority()).isEqualTo(-1);
        assertThat(count(queue)).isEqualTo(3);
    }

    @Test
    default void aBatchPushIsSeenWholeOrNotAtAll() throws Exception {
        String queue = queue("batch-visible");
        int size = 500;
        List<NewTask> tasks = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            tasks.add(new NewTask(queue, "{\"n\":" + i + "}", TaskOptions.defaults()));
        }
        Set<Long> seen = ConcurrentHashMap.newKeySet();
        ExecutorService reader = Executors.newSingleThreadExecutor();
        try {
            CountDownLatch reading = new CountDownLatch(1);
            Future<?> read = reader.submit(() -> {
                long count;
                do {
                    count = count(queue);
                    seen.add(count);
                    reading.countDown();
                }
                while (count < size);
                return null;
            });
            assertThat(reading.await(30, TimeUnit.SECONDS)).isTrue();
            backend().pushAll(tasks);
            read.get(30, TimeUnit.SECONDS);
        }
        finally {
            reader.shutdownNow();
        }
        assertThat(seen).as("counts seen while the batch was stored").isSubsetOf(0L, (long) size).contains((long) size);
    }

    @Test
    default void aBatchWithATaskTheBackendRefusesStoresNothing() {
        String queue = queue("batch-refused");
        NewTask refused = refusedTask(queue);
        Assumptions.assumeTrue(refused != null, "the backend refuses no task a NewTask allows");
        List<NewTask> tasks = List.of(new NewTask(queue, "{\"n\":1}", TaskOptions.defaults()), refused,
                new NewTask(queue, "{\"n\":3}", TaskOptions.defaults()));

        assertThatThrownBy(() -> backend().pushAll(tasks)).isInstanceOf(RuntimeException.class);

        assertThat(count(queue)).isZero();
        assertThat(claim(queue, worker(queue), 10)).isEmpty();
    }

    @Test
    default void aUniqueKeyAnswersTheUnfinishedTaskThatHoldsItUntilThatTaskFinishes() {
        String queue = queue("unique");
        TaskOptions keyed = TaskOptions.defaults().uniqueKey("order-42");
        TaskId first = push(queue, keyed);
        assertThat(push(queue, keyed)).as("pending").isEqualTo(first);
        assertThat(push(queue("unique-other"), keyed)).as("another queue").isNotEqualTo(first);

        String worker = worker(queue);
        assertThat(claim(queue, worker, 1)).extracting(Task::id).containsExactly(first);
        assertThat(push(queue, keyed)).as("running").isEqualTo(first);
        backend().complete(worker, List.of(Completion.done(first)));

        TaskId second = push(queue, keyed);
        assertThat(second).as("finished: the key is free").isNotEqualTo(first);
        assertThat(push(queue, keyed)).isEqualTo(second);
    }

    @Test
    default void dueTasksAreClaimedByPriorityThenRunTimeThenId() {
        String queue = queue("order");
        Instant now = now();
        TaskId late = push(queue, TaskOptions.defaults().priority(1).runAt(now.minusSeconds(30)));
        TaskId recent = push(queue, TaskOptions.defaults().runAt(now.minusSeconds(5)));
        TaskId oldest = push(queue, TaskOptions.defaults().runAt(now.minusSeconds(20)));
        TaskId oldestToo = push(queue, TaskOptions.defaults().runAt(now.minusSeconds(20)));
        TaskId urgent = push(queue, TaskOptions.defaults().priority(-5));
        List<TaskId> sameTime = List.of(oldest, oldestToo).stream().sorted().toList();

        List<Task> claimed = claim(queue, worker(queue), 10);

        assertThat(claimed).extracting(Task::id)
            .containsExactly(urgent, sameTime.get(0), sameTime.get(1), recent, late);
        assertThat(claimed).allSatisfy((task) -> assertThat(task.status()).isEqualTo(TaskStatus.RUNNING));
    }

    @Test
    default void aClaimBoundedByPriorityTakesOnlyTasksThatSortBeforeTheBound() {
        String queue = queue("below");
        Instant now = now();
        TaskId normal = push(queue, TaskOptions.defaults().runAt(now.minusSeconds(30)));
        TaskId urgentLater = push(queue, TaskOptions.defaults().priority(-5).runAt(now.minusSeconds(10)));
        TaskId low = push(queue, TaskOptions.defaults().priority(5).runAt(now.minusSeconds(40)));
        TaskId urgent = push(queue, TaskOptions.defaults().priority(-5).runAt(now.minusSeconds(20)));
        TaskId normalLater = push(queue, TaskOptions.defaults().runAt(now.minusSeconds(5)));
        String worker = worker(queue);
        ClaimRequest belowZero = new ClaimRequest(queue, worker, 10, 0, 0, OptionalInt.of(0));

        List<Task> claimed = backend().claim(belowZero);

        assertThat(claimed).extracting(Task::id).containsExactly(urgent, urgentLater);
        assertThat(claimed).allSatisfy((task) -> assertThat(task.status()).isEqualTo(TaskStatus.RUNNING));
        assertThat(backend().claim(belowZero)).as("nothing left below 0").isEmpty();
        assertThat(backend().claim(new ClaimRequest(queue, worker, 10, 0, 0))).as("unbounded")
            .extracting(Task::id).containsExactly(normal, normalLater, low);
    }

    @Test
    default void aClaimBoundedByPriorityStopsAtItsMaximumAndFindsNothingWhenNoneIsMoreUrgent() {
        String queue = queue("below-max");
        Instant now = now();
        TaskId first = push(queue, TaskOptions.defaults().priority(-5).runAt(now.minusSeconds(20)));
        push(queue, TaskOptions.defaults().priority(-5).runAt(now.minusSeconds(10)));
        push(queue, TaskOptions.defaults().priority(-1));
        String worker = worker(queue);

        assertThat(backend().claim(new ClaimRequest(queue, worker, 1, 1, 0, OptionalInt.of(0))))
            .extracting(Task::id).containsExactly(first);
        assertThat(backend().claim(new ClaimRequest(queue, worker, 10, 0, 0, OptionalInt.of(-5))))
            .as("the bound is exclusive").isEmpty();
        assertThat(backend().claim(new ClaimRequest(queue, worker, 10, 0, 0, OptionalInt.of(Integer.MIN_VALUE))))
            .isEmpty();
    }

    @Test
    default void aDelayedTaskIsNotClaimedBeforeItsRunTime() {
        String queue = queue("delay");
        Duration delay = Duration.ofSeconds(2);
        TaskId soon = push(queue, TaskOptions.defaults().delay(delay));
        push(queue, TaskOptions.defaults().delay(Duration.ofHours(1)));
        String worker = worker(queue);

        assertThat(claim(queue, worker, 10)).as("nothing due yet").isEmpty();
        assertThat(backend().nextRunIn(queue)).hasValueSatisfying(
                (wait) -> assertThat(wait).isPositive().isLessThanOrEqualTo(delay));

        elapse(delay);

        assertThat(claim(queue, worker, 10)).extracting(Task::id).containsExactly(soon);
        assertThat(backend().nextRunIn(queue)).hasValueSatisfying(
                (wait) -> assertThat(wait).isGreaterThan(Duration.ofMinutes(55)));
    }

    @Test
    default void concurrentClaimersNeverShareATask() throws Exception {
        String queue = queue("exclusive");
        int size = 300;
        List<NewTask> tasks = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            tasks.add(new NewTask(queue, "{\"n\":" + i + "}", TaskOptions.defaults()));
        }
        Set<TaskId> pushed = new HashSet<>(backend().pushAll(tasks));
        int claimers = 6;
        List<TaskId> claimed = new CopyOnWriteArrayList<>();
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService threads = Executors.newFixedThreadPool(claimers);
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int i = 0; i < claimers; i++) {
                Backend node = (i % 2 == 0) ? backend() : peer();
                String worker = worker(queue);
                running.add(threads.submit(() -> {
                    go.await();
                    List<Task> batch;
                    while (!(batch = node.claim(queue, worker, 7)).isEmpty()) {
                        batch.forEach((task) -> claimed.add(task.id()));
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> claimer : running) {
                claimer.get(60, TimeUnit.SECONDS);
            }
        }
        finally {
            threads.shutdownNow();
        }
        assertThat(claimed).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(pushed);
    }

    @Test
    default void aClaimChargesTheTasksStartingNowAndStartedChargesEachOtherOnce() {
        String queue = queue("charge");
        TaskId first = push(queue);
        TaskId second = push(queue);
        TaskId third = push(queue, TaskOptions.defaults().maxAttempts(2));
        String worker = worker(queue);

        List<Task> claimed = backend().claim(new ClaimRequest(queue, worker, 3, 1, 5));

        assertThat(claimed).extracting(Task::id).containsExactly(first, second, third);
        assertThat(claimed).extracting(Task::attempts).as("the attempt each runs when started").containsOnly(1);
        assertThat(claimed).extracting(Task::maxAttempts).containsExactly(5, 5, 2);
        assertThat(task(first).attempts()).as("started at once").isEqualTo(1);
        assertThat(task(second).attempts()).as("claimed ahead").isZero();
        assertThat(task(first).maxAttempts()).as("the worker's maximum is stored").isEqualTo(5);

        backend().started(worker, List.of(second));
        backend().started(worker, List.of(first, second));
        assertThat(task(first).attempts()).isEqualTo(1);
        assertThat(task(second).attempts()).isEqualTo(1);

        backend().complete(worker, List.of(Completion.done(third)));
        assertThat(task(third).attempts()).as("completed without a recorded start").isEqualTo(1);
        assertThat(task(third).status()).isEqualTo(TaskStatus.DONE);
    }

    @Test
    default void aReleaseOrAnInterruptionPutsTheTaskBackWithoutCharge() {
        String queue = queue("release");
        TaskId released = push(queue);
        TaskId interrupted = push(queue);
        String worker = worker(queue);
        assertThat(claim(queue, worker, 2)).hasSize(2);

        backend().release(worker, List.of(released));
        backend().complete(worker, List.of(Completion.interrupted(interrupted, "stopping")));

        for (TaskId id : List.of(released, interrupted)) {
            Task task = task(id);
            assertThat(task.status()).isEqualTo(TaskStatus.PENDING);
            assertThat(task.attempts()).as("refunded").isZero();
            assertThat(task.runAt()).as("due at once").isBeforeOrEqualTo(now());
        }
        assertThat(claim(queue, worker, 2)).extracting(Task::attempts).containsExactly(1, 1);
    }

    @Test
    default void outcomesOfAnotherWorkerOrOfAFinishedTaskAreIgnored() {
        String queue = queue("guard");
        TaskId id = push(queue);
        String owner = worker(queue);
        String stranger = worker(queue);
        assertThat(claim(queue, owner, 1)).hasSize(1);

        backend().complete(stranger, List.of(Completion.done(id)));
        backend().release(stranger, List.of(id));
        backend().started(stranger, List.of(id));
        assertThat(task(id).status()).isEqualTo(TaskStatus.RUNNING);

        backend().complete(owner, List.of(Completion.done(id)));
        backend().complete(owner, List.of(Completion.kill(id, "late")));
        backend().release(owner, List.of(id));
        Task done = task(id);
        assertThat(done.status()).isEqualTo(TaskStatus.DONE);
        assertThat(done.attempts()).isEqualTo(1);
        assertThat(done.finishedAt()).isNotNull();
    }

    @Test
    default void failedAttemptsAreCountedWithTheirErrorsAndRetriedAfterTheirDelay() {
        String queue = queue("retry");
        TaskId id = push(queue, TaskOptions.defaults().maxAttempts(3));
        String worker = worker(queue);

        assertThat(claim(queue, worker, 1)).extracting(Task::attempts).containsExactly(1);
        backend().complete(worker, List.of(Completion.retry(id, Duration.ZERO, "first failed")));
        Task failed = task(id);
        assertThat(failed.status()).isEqualTo(TaskStatus.FAILED);
        assertThat(failed.attempts()).isEqualTo(1);
        assertThat(failed.lastError()).isEqualTo("first failed");

        Duration delay = Duration.ofSeconds(2);
        assertThat(claim(queue, worker, 1)).extracting(Task::attempts).containsExactly(2);
        backend().complete(worker, List.of(Completion.retry(id, delay, "second failed")));
        assertThat(claim(queue, worker, 1)).as("waits for its retry").isEmpty();
        assertThat(task(id).runAt()).isAfter(now());
        assertThat(backend().nextRunIn(queue)).hasValueSatisfying(
                (wait) -> assertThat(wait).isPositive().isLessThanOrEqualTo(delay));

        elapse(delay);
        assertThat(claim(queue, worker, 1)).extracting(Task::attempts).containsExactly(3);
        backend().complete(worker, List.of(Completion.kill(id, "third failed")));
        Task killed = task(id);
        assertThat(killed.status()).isEqualTo(TaskStatus.KILLED);
        assertThat(killed.attempts()).isEqualTo(3);
        assertThat(killed.lastError()).isEqualTo("third failed");
    }

    @Test
    default void aTaskPushedOnOneNodeIsClaimedOnAnother() {
        assumeCapability(BackendCapability.SHARED_STORE);
        String queue = queue("shared");
        TaskId id = peer().push(new NewTask(queue, "{\"n\":1}", TaskOptions.defaults()));

        assertThat(claim(queue, worker(queue), 1)).extracting(Task::id).containsExactly(id);
    }

    @Test
    default void storedTasksOutliveTheNodeThatPushedThem() {
        assumeCapability(BackendCapability.DURABLE);
        assumeCapability(BackendCapability.SHARED_STORE);
        String queue = queue("durable");
        Backend node = openNode();
        TaskId id;
        try {
            id = node.push(new NewTask(queue, "{\"n\":1}", TaskOptions.defaults().uniqueKey("kept")));
        }
        finally {
            node.close();
        }
        assertThat(task(id).status()).isEqualTo(TaskStatus.PENDING);
        assertThat(push(queue, TaskOptions.defaults().uniqueKey("kept"))).as("its key is still held").isEqualTo(id);
    }

    /**
     * How many tasks the queue holds, by the backend's exact count.
     * @param queue the queue
     * @return the count
     */
    private long count(String queue) {
        return backend().countByQueueAndStatus()
            .stream()
            .filter((count) -> count.queue().equals(queue))
            .mapToLong(QueueCount::count)
            .sum();
    }
}
