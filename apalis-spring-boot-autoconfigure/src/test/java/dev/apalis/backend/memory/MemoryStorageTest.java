package dev.apalis.backend.memory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import dev.apalis.backend.Backend;
import dev.apalis.backend.Completion;
import dev.apalis.backend.QueueCount;
import dev.apalis.backend.WorkerRegistration;
import dev.apalis.task.NewTask;
import dev.apalis.task.Task;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskOptions;
import dev.apalis.task.TaskStatus;
import dev.apalis.test.MutableClock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class MemoryStorageTest {

    private static final Instant START = Instant.parse("2030-01-01T00:00:00Z");

    private final MutableClock clock = new MutableClock(START);

    private final MemoryStorage storage = new MemoryStorage(clock, Duration.ofSeconds(30), 100);

    private TaskId push(String queue, String payload, TaskOptions options) {
        return storage.push(new NewTask(queue, payload, options));
    }

    private TaskId push(String payload) {
        return push("q", payload, TaskOptions.defaults());
    }

    private Task task(TaskId id) {
        return storage.find(id).orElseThrow();
    }

    private static List<String> payloads(List<Task> tasks) {
        return tasks.stream().map(Task::payload).toList();
    }

    // ---------------------------------------------------------------- push and claim

    @Test
    void pushStoresAPendingTaskWithItsOptions() {
        TaskId id = push("q", "{\"a\":1}", TaskOptions.defaults().priority(3).maxAttempts(4).metadata("k", "v"));
        Task task = task(id);
        assertThat(task.status()).isEqualTo(TaskStatus.PENDING);
        assertThat(task.queue()).isEqualTo("q");
        assertThat(task.payload()).isEqualTo("{\"a\":1}");
        assertThat(task.attempts()).isZero();
        assertThat(task.maxAttempts()).isEqualTo(4);
        assertThat(task.priority()).isEqualTo(3);
        assertThat(task.runAt()).isEqualTo(START);
        assertThat(task.createdAt()).isEqualTo(START);
        assertThat(task.finishedAt()).isNull();
        assertThat(task.lastError()).isNull();
        assertThat(task.metadata()).containsEntry("k", "v");
    }

    @Test
    void claimsByPriorityThenRunAtThenId() {
        push("q", "p0-now-1", TaskOptions.defaults());
        push("q", "p0-now-2", TaskOptions.defaults());
        push("q", "p0-earlier", TaskOptions.defaults().runAt(START.minusSeconds(10)));
        push("q", "p-1-now", TaskOptions.defaults().priority(-1));
        push("q", "p5-earliest", TaskOptions.defaults().priority(5).runAt(START.minusSeconds(60)));
        push("q", "p0-later", TaskOptions.defaults().delay(Duration.ofSeconds(5)));
        assertThat(payloads(storage.claim("q", "w", 2))).containsExactly("p-1-now", "p0-earlier");
        assertThat(payloads(storage.claim("q", "w", 10))).containsExactly("p0-now-1", "p0-now-2", "p5-earliest");
        clock.advance(Duration.ofSeconds(5));
        assertThat(payloads(storage.claim("q", "w", 10))).containsExactly("p0-later");
    }

    @Test
    void sameRunAtAndPriorityClaimsInIdOrderWhichIsPushOrder() {
        List<NewTask> batch = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            batch.add(new NewTask("q", "t" + i, TaskOptions.defaults()));
        }
        List<TaskId> ids = storage.pushAll(batch);
        List<Task> claimed = storage.claim("q", "w", 100);
        assertThat(claimed).extracting(Task::id).containsExactlyElementsOf(ids);
    }

    @Test
    void claimMarksRunningCountsTheAttemptAndHonoursMax() {
        TaskId a = push("a");
        TaskId b = push("b");
        List<Task> claimed = storage.claim("q", "w", 1);
        assertThat(claimed).singleElement().satisfies(task -> {
            assertThat(task.id()).isEqualTo(a);
            assertThat(task.status()).isEqualTo(TaskStatus.RUNNING);
            assertThat(task.attempts()).isEqualTo(1);
        });
        assertThat(task(a).status()).isEqualTo(TaskStatus.RUNNING);
        assertThat(task(b).status()).isEqualTo(TaskStatus.PENDING);
        assertThat(storage.claim("q", "w", 0)).isEmpty();
        assertThat(storage.claim("other", "w", 10)).isEmpty();
        assertThat(storage.claim("q", "w2", 10)).extracting(Task::id).containsExactly(b);
        assertThat(storage.claim("q", "w3", 10)).isEmpty();
    }

    @Test
    void delayedTasksWaitForTheirRunTime() {
        TaskId id = push("q", "later", TaskOptions.defaults().delay(Duration.ofSeconds(10)));
        assertThat(storage.claim("q", "w", 10)).isEmpty();
        assertThat(storage.nextRunIn("q")).contains(Duration.between(clock.instant(), START.plusSeconds(10)));
        clock.advance(Duration.ofMillis(9_999));
        assertThat(storage.claim("q", "w", 10)).isEmpty();
        clock.advance(Duration.ofMillis(1));
        assertThat(storage.claim("q", "w", 10)).extracting(Task::id).containsExactly(id);
        assertThat(storage.nextRunIn("q")).isEmpty();
        assertThat(storage.nextRunIn("unknown")).isEmpty();
    }

    @Test
    void nextRunAtIgnoresDueTasksAndGivesTheEarliestFutureOne() {
        push("now");
        push("q", "in 20", TaskOptions.defaults().delay(Duration.ofSeconds(20)));
        push("q", "in 5", TaskOptions.defaults().delay(Duration.ofSeconds(5)));
        assertThat(storage.nextRunIn("q")).contains(Duration.between(clock.instant(), START.plusSeconds(5)));
        clock.advance(Duration.ofSeconds(6));
        assertThat(storage.nextRunIn("q")).contains(Duration.between(clock.instant(), START.plusSeconds(20)));
    }

    // ---------------------------------------------------------------- unique keys

    @Test
    void aUniqueKeyReturnsTheUnfinishedTasksIdThenAllowsANewTaskAfterItFinished() {
        TaskOptions unique = TaskOptions.defaults().uniqueKey("welcome:7");
        TaskId first = push("q", "1", unique);
        assertThat(push("q", "2", unique)).isEqualTo(first);
        storage.claim("q", "w", 10);
        assertThat(push("q", "3", unique)).as("while running").isEqualTo(first);
        storage.complete("w", List.of(Completion.retry(first, Duration.between(clock.instant(), START), "boom")));
        assertThat(push("q", "4", unique)).as("while failed").isEqualTo(first);
        storage.claim("q", "w", 10);
        storage.complete("w", List.of(Completion.done(first)));
        TaskId second = push("q", "5", unique);
        assertThat(second).isNotEqualTo(first);
        assertThat(task(second).payload()).isEqualTo("5");
        assertThat(push("other", "6", unique)).as("keys are per queue").isNotIn(first, second);
        assertThat(storage.countByQueueAndStatus()).containsExactlyInAnyOrder(
                new QueueCount("other", TaskStatus.PENDING, 1), new QueueCount("q", TaskStatus.PENDING, 1),
                new QueueCount("q", TaskStatus.DONE, 1));
    }

    @Test
    void aUniqueKeyIsFreedWhenItsTaskIsKilledOrCancelled() {
        TaskOptions unique = TaskOptions.defaults().uniqueKey("k");
        TaskId first = push("q", "1", unique);
        storage.claim("q", "w", 1);
        storage.complete("w", List.of(Completion.kill(first, "gave up")));
        TaskId second = push("q", "2", unique);
        assertThat(second).isNotEqualTo(first);
        assertThat(storage.cancel(second)).isTrue();
        assertThat(push("q", "3", unique)).isNotIn(first, second);
    }

    @Test
    void aUniqueKeyRepeatedInOneBatchStoresOneTask() {
        TaskOptions unique = TaskOptions.defaults().uniqueKey("k");
        List<TaskId> ids = storage.pushAll(List.of(new NewTask("q", "1", unique), new NewTask("q", "2", unique),
                new NewTask("q", "3", TaskOptions.defaults())));
        assertThat(ids.get(1)).isEqualTo(ids.get(0));
        assertThat(ids.get(2)).isNotEqualTo(ids.get(0));
        assertThat(storage.claim("q", "w", 10)).hasSize(2);
    }

    // ---------------------------------------------------------------- completing and releasing

    @Test
    void doneAndKillFinishTheTask() {
        TaskId done = push("a");
        TaskId killed = push("b");
        storage.claim("q", "w", 10);
        clock.advance(Duration.ofSeconds(1));
        storage.complete("w", List.of(Completion.done(done), Completion.kill(killed, "bad input")));
        assertThat(task(done).status()).isEqualTo(TaskStatus.DONE);
        assertThat(task(done).finishedAt()).isEqualTo(START.plusSeconds(1));
        assertThat(task(done).attempts()).isEqualTo(1);
        assertThat(task(killed).status()).isEqualTo(TaskStatus.KILLED);
        assertThat(task(killed).lastError()).isEqualTo("bad input");
        assertThat(task(killed).finishedAt()).isEqualTo(START.plusSeconds(1));
        assertThat(storage.claim("q", "w", 10)).isEmpty();
    }

    @Test
    void retryPersistsTheErrorAndTheNextRunTimeThenCountsTheNextAttempt() {
        TaskId id = push("a");
        storage.claim("q", "w", 1);
        storage.complete("w", List.of(Completion.retry(id, Duration.between(clock.instant(), START.plusSeconds(7)), "boom")));
        Task failed = task(id);
        assertThat(failed.status()).isEqualTo(TaskStatus.FAILED);
        assertThat(failed.attempts()).isEqualTo(1);
        assertThat(failed.runAt()).isEqualTo(START.plusSeconds(7));
        assertThat(failed.lastError()).isEqualTo("boom");
        assertThat(storage.nextRunIn("q")).contains(Duration.between(clock.instant(), START.plusSeconds(7)));
        assertThat(storage.claim("q", "w", 1)).isEmpty();
        clock.advance(Duration.ofSeconds(7));
        assertThat(storage.claim("q", "w", 1)).singleElement().satisfies(task -> {
            assertThat(task.attempts()).isEqualTo(2);
            assertThat(task.lastError()).isEqualTo("boom");
        });
    }

    @Test
    void completionsAreGuardedByTheOwner() {
        TaskId id = push("a");
        storage.claim("q", "owner", 1);
        storage.complete("intruder", List.of(Completion.done(id)));
        storage.release("intruder", List.of(id));
        assertThat(task(id).status()).isEqualTo(TaskStatus.RUNNING);
        storage.complete("owner", List.of(Completion.done(id)));
        assertThat(task(id).status()).isEqualTo(TaskStatus.DONE);
        storage.complete("owner", List.of(Completion.kill(id, "late")));
        storage.release("owner", List.of(id));
        assertThat(task(id).status()).as("a late report does not touch a finished task").isEqualTo(TaskStatus.DONE);
        assertThat(task(id).lastError()).isNull();
    }

    @Test
    void releasePutsTheTaskBackWithoutCountingTheAttemptAndNotifies() {
        AtomicInteger notified = new AtomicInteger();
        storage.subscribe("q", notified::incrementAndGet);
        TaskId id = push("q", "a", TaskOptions.defaults().delay(Duration.ofSeconds(1)));
        clock.advance(Duration.ofSeconds(2));
        storage.claim("q", "w", 1);
        int before = notified.get();
        storage.release("w", List.of(id));
        Task released = task(id);
        assertThat(released.status()).isEqualTo(TaskStatus.PENDING);
        assertThat(released.attempts()).isZero();
        assertThat(released.runAt()).isEqualTo(START.plusSeconds(1));
        assertThat(notified.get()).isEqualTo(before + 1);
        assertThat(storage.claim("q", "w2", 1)).singleElement()
            .satisfies(task -> assertThat(task.attempts()).isEqualTo(1));
    }

    // ---------------------------------------------------------------- heart-beats and orphans

    @Test
    void tasksOfAWorkerWithAStaleHeartbeatAreRescuedAfterTheThreshold() {
        storage.register(new WorkerRegistration("dead", "w", "q"));
        storage.register(new WorkerRegistration("alive", "w", "q"));
        TaskId orphan = push("a");
        TaskId finished = push("b");
        storage.claim("q", "dead", 2);
        storage.complete("dead", List.of(Completion.done(finished)));
        clock.advance(Duration.ofSeconds(29));
        storage.heartbeat("alive");
        assertThat(task(orphan).status()).as("before the threshold").isEqualTo(TaskStatus.RUNNING);
        clock.advance(Duration.ofSeconds(2));
        storage.heartbeat("alive");
        Task rescued = task(orphan);
        assertThat(rescued.status()).isEqualTo(TaskStatus.PENDING);
        assertThat(rescued.attempts()).as("the started attempt stays counted").isEqualTo(1);
        assertThat(rescued.runAt()).isEqualTo(clock.instant());
        assertThat(task(finished).status()).as("a finished task is never rescued").isEqualTo(TaskStatus.DONE);
        storage.complete("dead", List.of(Completion.done(orphan)));
        assertThat(task(orphan).status()).as("the old owner lost it").isEqualTo(TaskStatus.PENDING);
        assertThat(storage.claim("q", "alive", 10)).singleElement()
            .satisfies(task -> assertThat(task.attempts()).isEqualTo(2));
    }

    @Test
    void aWorkerThatKeepsHeartbeatingKeepsItsTasks() {
        storage.register(new WorkerRegistration("w1", "w", "q"));
        TaskId id = push("a");
        storage.claim("q", "w1", 1);
        for (int i = 0; i < 5; i++) {
            clock.advance(Duration.ofSeconds(20));
            storage.heartbeat("w1");
        }
        assertThat(task(id).status()).isEqualTo(TaskStatus.RUNNING);
    }

    @Test
    void tasksOfADeregisteredWorkerAreRescuedAtTheNextHeartbeat() {
        storage.register(new WorkerRegistration("gone", "w", "q"));
        storage.register(new WorkerRegistration("other", "w", "q"));
        TaskId id = push("a");
        storage.claim("q", "gone", 1);
        storage.deregister("gone");
        storage.heartbeat("other");
        assertThat(task(id).status()).isEqualTo(TaskStatus.PENDING);
    }

    // ---------------------------------------------------------------- retention, counts, operators

    @Test
    void keepsABoundedNumberOfFinishedTasksDroppingTheOldestFirst() {
        MemoryStorage small = new MemoryStorage(clock, Duration.ofSeconds(30), 3);
        List<TaskId> ids = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            ids.add(small.push(new NewTask("q", "t" + i, null)));
        }
        List<Task> claimed = small.claim("q", "w", 5);
        for (Task task : claimed) {
            small.complete("w", List.of(Completion.done(task.id())));
        }
        assertThat(small.find(ids.get(0))).isEmpty();
        assertThat(small.find(ids.get(1))).isEmpty();
        assertThat(ids.subList(2, 5)).allSatisfy(id -> assertThat(small.find(id)).isPresent());
        assertThat(small.find(ids.get(5))).as("unfinished tasks are never dropped").isPresent();
        assertThat(small.countByQueueAndStatus()).containsExactlyInAnyOrder(new QueueCount("q", TaskStatus.DONE, 3),
                new QueueCount("q", TaskStatus.PENDING, 1));
    }

    @Test
    void countsByQueueAndStatus() {
        assertThat(storage.countByQueueAndStatus()).isEmpty();
        push("a", "1", null);
        push("a", "2", null);
        push("a", "3", null);
        push("b", "4", null);
        List<Task> claimed = storage.claim("a", "w", 2);
        storage.complete("w", List.of(Completion.retry(claimed.get(0).id(), Duration.between(clock.instant(), START.plusSeconds(1)), "x")));
        assertThat(storage.countByQueueAndStatus()).containsExactly(new QueueCount("a", TaskStatus.PENDING, 1),
                new QueueCount("a", TaskStatus.RUNNING, 1), new QueueCount("a", TaskStatus.FAILED, 1),
                new QueueCount("b", TaskStatus.PENDING, 1));
    }

    @Test
    void retryPutsAKilledTaskBackWithItsAttemptsReset() {
        TaskId id = push("a");
        storage.claim("q", "w", 1);
        storage.complete("w", List.of(Completion.kill(id, "bad")));
        clock.advance(Duration.ofMinutes(1));
        assertThat(storage.retry(id)).isTrue();
        Task pending = task(id);
        assertThat(pending.status()).isEqualTo(TaskStatus.PENDING);
        assertThat(pending.attempts()).isZero();
        assertThat(pending.runAt()).isEqualTo(clock.instant());
        assertThat(pending.finishedAt()).isNull();
        assertThat(storage.retry(id)).as("not killed any more").isFalse();
        assertThat(storage.claim("q", "w", 1)).extracting(Task::id).containsExactly(id);
        assertThat(storage.retry(TaskId.next())).isFalse();
    }

    @Test
    void retryOfAKilledTaskRefusesWhileAnotherTaskHoldsItsUniqueKey() {
        TaskOptions unique = TaskOptions.defaults().uniqueKey("k");
        TaskId first = push("q", "1", unique);
        storage.claim("q", "w", 1);
        storage.complete("w", List.of(Completion.kill(first, "bad")));
        TaskId second = push("q", "2", unique);
        assertThat(storage.retry(first)).isFalse();
        assertThat(storage.cancel(second)).isTrue();
        assertThat(storage.retry(first)).isTrue();
        assertThat(push("q", "3", unique)).isEqualTo(first);
    }

    @Test
    void cancelKillsOnlyWaitingTasks() {
        TaskId pending = push("a");
        TaskId delayed = push("q", "b", TaskOptions.defaults().delay(Duration.ofHours(1)));
        assertThat(storage.cancel(pending)).isTrue();
        assertThat(storage.cancel(delayed)).isTrue();
        assertThat(task(pending).status()).isEqualTo(TaskStatus.KILLED);
        assertThat(task(pending).lastError()).isEqualTo("Cancelled by an operator");
        clock.advance(Duration.ofHours(2));
        assertThat(storage.claim("q", "w", 10)).isEmpty();
        assertThat(storage.nextRunIn("q")).isEmpty();

        TaskId failed = push("c");
        TaskId running = push("d");
        storage.claim("q", "w", 2);
        storage.complete("w", List.of(Completion.retry(failed, Duration.ofSeconds(5), "x")));
        assertThat(storage.cancel(running)).isFalse();
        assertThat(storage.cancel(failed)).isTrue();
        assertThat(storage.cancel(pending)).as("already finished").isFalse();
        assertThat(storage.cancel(TaskId.next())).isFalse();
        clock.advance(Duration.ofSeconds(10));
        assertThat(storage.claim("q", "w", 10)).isEmpty();
    }

    @Test
    void subscribersHearPushesToTheirQueueUntilTheyClose() {
        AtomicInteger heard = new AtomicInteger();
        Backend.Subscription subscription = storage.subscribe("q", heard::incrementAndGet);
        push("a");
        push("other", "b", null);
        storage.pushAll(List.of(new NewTask("q", "c", null), new NewTask("q", "d", null)));
        assertThat(heard.get()).as("once per push call").isEqualTo(2);
        subscription.close();
        subscription.close();
        push("e");
        assertThat(heard.get()).isEqualTo(2);
    }

    @Test
    void aDoneRetentionOfZeroKeepsNoDoneTaskButKeepsTheKilledOnes() {
        MemoryStorage keepNone = MemoryStorage.builder().clock(clock).doneRetention(Duration.ZERO).build();
        TaskId done = keepNone.push(new NewTask("q", "a", TaskOptions.defaults().uniqueKey("k")));
        TaskId killed = keepNone.push(new NewTask("q", "b", null));
        keepNone.claim("q", "w", 2);

        keepNone.complete("w", List.of(Completion.done(done), Completion.kill(killed, "dead")));

        assertThat(keepNone.find(done)).isEmpty();
        assertThat(keepNone.find(killed).orElseThrow().status()).isEqualTo(TaskStatus.KILLED);
        assertThat(keepNone.push(new NewTask("q", "c", TaskOptions.defaults().uniqueKey("k")))).isNotEqualTo(done);
        assertThatIllegalArgumentException().isThrownBy(() -> MemoryStorage.builder().doneRetention(Duration.ofSeconds(-1)))
            .withMessage("doneRetention must be zero (keep no done task) or positive, was PT-1S");
    }

    @Test
    void rejectsANegativeRetention() {
        assertThatIllegalArgumentException()
            .isThrownBy(() -> new MemoryStorage(Clock.systemUTC(), Duration.ofSeconds(1), -1))
            .withMessage("finishedTasksKept must be 0 or more, was -1");
    }

    @Test
    void concurrentClaimersNeverGetTheSameTask() throws Exception {
        MemoryStorage shared = new MemoryStorage();
        List<NewTask> batch = new ArrayList<>();
        for (int i = 0; i < 5_000; i++) {
            batch.add(new NewTask("q", Integer.toString(i), null));
        }
        shared.pushAll(batch);
        int threads = 4;
        CyclicBarrier barrier = new CyclicBarrier(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        List<TaskId> claimed = Collections.synchronizedList(new ArrayList<>());
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                String worker = "w" + t;
                futures.add(pool.submit(() -> {
                    barrier.await(10, TimeUnit.SECONDS);
                    List<Task> mine;
                    while (!(mine = shared.claim("q", worker, 7)).isEmpty()) {
                        mine.forEach(task -> claimed.add(task.id()));
                        shared.complete(worker, mine.stream().map(task -> Completion.done(task.id())).toList());
                    }
                    return null;
                }));
            }
            for (Future<?> future : futures) {
                future.get(30, TimeUnit.SECONDS);
            }
        }
        finally {
            pool.shutdownNow();
        }
        Set<TaskId> unique = new HashSet<>(claimed);
        assertThat(claimed).hasSize(5_000);
        assertThat(unique).hasSize(5_000);
        assertThat(shared.countByQueueAndStatus()).containsExactly(new QueueCount("q", TaskStatus.DONE, 5_000));
    }
}
