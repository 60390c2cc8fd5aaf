package dev.apalis.worker;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.apalis.backend.QueueCount;
import dev.apalis.backend.memory.MemoryStorage;
import dev.apalis.task.Task;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskStatus;
import dev.apalis.task.TaskTimeoutException;
import dev.apalis.worker.WorkerEvent.TaskFailed;
import dev.apalis.worker.WorkerEvent.TaskKilled;
import dev.apalis.worker.WorkerEvent.TaskSucceeded;

import static dev.apalis.worker.WorkerTesting.FAST_RETRIES;
import static dev.apalis.worker.WorkerTesting.awaitStatus;
import static dev.apalis.worker.WorkerTesting.eventually;
import static dev.apalis.worker.WorkerTesting.push;
import static dev.apalis.worker.WorkerTesting.pushAll;
import static dev.apalis.worker.WorkerTesting.task;
import static org.assertj.core.api.Assertions.assertThat;

class WorkerTimeoutTest {

    private final MemoryStorage storage = new MemoryStorage();

    private final Recorder recorder = new Recorder();

    private final WorkerTesting.Started started = new WorkerTesting.Started();

    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void stopWorkers() throws InterruptedException {
        release.countDown();
        started.stopAll();
    }

    @Test
    void aTimeoutInterruptsTheHandlerCountsAsAFailureAndIsRetried() {
        AtomicBoolean interrupted = new AtomicBoolean();
        TaskId id = push(storage, "slow", 1);
        started.start(WorkerBuilder.named("slow").backend(storage).timeout(Duration.ofMillis(100)).retry(FAST_RETRIES)
            .onEvent(recorder).build(Integer.class, (n, ctx) -> {
                if (ctx.attempt() == 1) {
                    try {
                        release.await();
                    }
                    catch (InterruptedException ex) {
                        interrupted.set(true);
                        throw ex;
                    }
                }
            }));
        awaitStatus(storage, id, TaskStatus.DONE);
        assertThat(interrupted).isTrue();
        TaskFailed failed = recorder.of(TaskFailed.class, id).get(0);
        assertThat(failed.attempt()).isEqualTo(1);
        assertThat(failed.error()).isInstanceOf(TaskTimeoutException.class)
            .hasMessageContaining("did not finish within its timeout of PT0.1S");
        assertThat(failed.duration()).isGreaterThanOrEqualTo(Duration.ofMillis(100));
        assertThat(failed.willRetry()).isTrue();
        Task task = task(storage, id);
        assertThat(task.attempts()).isEqualTo(2);
        assertThat(task.lastError()).as("success clears the last error").isNull();
        assertThat(recorder.of(TaskSucceeded.class, id)).singleElement()
            .satisfies(succeeded -> assertThat(succeeded.attempt()).isEqualTo(2));
    }

    @Test
    void aHandlerThatIgnoresInterruptsKeepsItsSlotAndItsTaskUntilItReturns() {
        AtomicInteger interruptsIgnored = new AtomicInteger();
        CountDownLatch stuckReturned = new CountDownLatch(1);
        TaskId stuck = push(storage, "stubborn", "stuck");
        started.start(WorkerBuilder.named("stubborn").backend(storage).concurrency(1).timeout(Duration.ofMillis(100))
            .retry(RetryPolicy.none()).onEvent(recorder).build(String.class, (name, ctx) -> {
                if (name.equals("stuck")) {
                    try {
                        while (true) {
                            try {
                                release.await();
                                return;
                            }
                            catch (InterruptedException ex) {
                                interruptsIgnored.incrementAndGet();
                            }
                        }
                    }
                    finally {
                        stuckReturned.countDown();
                    }
                }
            }));
        WorkerEvent.TaskStuck reported = eventually().until(() -> recorder.of(WorkerEvent.TaskStuck.class, stuck),
                list -> !list.isEmpty()).get(0);
        assertThat(reported.runningFor()).isGreaterThanOrEqualTo(Duration.ofMillis(100).plus(Timeouts.STUCK_AFTER));
        TaskId next = push(storage, "stubborn", "next");
        Awaitility.await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).untilAsserted(() -> {
            assertThat(task(storage, stuck).status()).as("still held by its live thread").isEqualTo(TaskStatus.RUNNING);
            assertThat(task(storage, next).status()).as("no free slot while the stuck handler runs")
                .isEqualTo(TaskStatus.PENDING);
        });
        assertThat(interruptsIgnored.get()).isEqualTo(1);

        release.countDown();
        awaitStatus(storage, next, TaskStatus.DONE);
        Task killed = task(storage, stuck);
        assertThat(killed.status()).isEqualTo(TaskStatus.KILLED);
        assertThat(killed.lastError()).contains("TaskTimeoutException");
        assertThat(recorder.of(TaskSucceeded.class, stuck)).as("its late return counts as the timeout").isEmpty();
        assertThat(recorder.of(TaskKilled.class, stuck)).hasSize(1);
        assertThat(recorder.of(WorkerEvent.TaskStuck.class, stuck)).as("reported once").hasSize(1);
    }

    /**
     * Issue 12: concurrency is a hard limit even when handlers ignore the interrupt of their timeout,
     * and the next attempt of a timed-out task never runs beside the previous one's live thread.
     */
    @Test
    void concurrencyIsAHardLimitWhenTimedOutHandlersIgnoreInterrupts() throws InterruptedException {
        Set<Thread> inHandlers = ConcurrentHashMap.newKeySet();
        Set<TaskId> tasksInHandlers = ConcurrentHashMap.newKeySet();
        AtomicInteger mostInHandlers = new AtomicInteger();
        AtomicInteger mostPoolThreads = new AtomicInteger();
        AtomicInteger sameTaskTwice = new AtomicInteger();
        List<TaskId> ids = pushAll(storage, "hard", 10);
        started.start(WorkerBuilder.named("hard").backend(storage).concurrency(2).timeout(Duration.ofMillis(200))
            .retry(FAST_RETRIES).onEvent(recorder).build(Integer.class, (n, ctx) -> {
                if (!tasksInHandlers.add(ctx.taskId())) {
                    sameTaskTwice.incrementAndGet();
                }
                inHandlers.add(Thread.currentThread());
                try {
                    if (ctx.attempt() == 1) {
                        ignoreInterruptsFor(Duration.ofMillis(400));
                    }
                }
                finally {
                    inHandlers.remove(Thread.currentThread());
                    tasksInHandlers.remove(ctx.taskId());
                }
            }));
        Thread sampler = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                mostInHandlers.accumulateAndGet((int) inHandlers.stream().filter(Thread::isAlive).count(), Math::max);
                mostPoolThreads.accumulateAndGet((int) Thread.getAllStackTraces().keySet().stream()
                    .filter(thread -> thread.getName().matches("apalis-hard-\\d+")).count(), Math::max);
                try {
                    Thread.sleep(2);
                }
                catch (InterruptedException ex) {
                    return;
                }
            }
        });
        sampler.start();
        try {
            for (TaskId id : ids) {
                awaitStatus(storage, id, TaskStatus.DONE);
            }
        }
        finally {
            sampler.interrupt();
            sampler.join();
        }
        assertThat(mostInHandlers.get()).as("live handler threads, sampled").isBetween(1, 2);
        assertThat(mostPoolThreads.get()).as("handler pool threads").isLessThanOrEqualTo(2);
        assertThat(sameTaskTwice.get()).as("an attempt started beside its task's previous one").isZero();
        assertThat(recorder.of(TaskFailed.class)).hasSize(10)
            .allSatisfy(failed -> assertThat(failed.error()).isInstanceOf(TaskTimeoutException.class));
        assertThat(recorder.of(WorkerEvent.TaskStuck.class)).isEmpty();
    }

    private static void ignoreInterruptsFor(Duration duration) {
        long end = System.nanoTime() + duration.toNanos();
        long left;
        while ((left = end - System.nanoTime()) > 0) {
            try {
                TimeUnit.NANOSECONDS.sleep(left);
            }
            catch (InterruptedException ex) {
                // ignored on purpose
            }
        }
    }

    /**
     * Timeouts that fire while handlers return must never leave an interrupt behind for the next task
     * on the same pooled thread. A handler that finds its thread interrupted returns at once: if the
     * interrupt came from its own timeout, the timeout settled the attempt first (the task is killed);
     * an interrupt leaked from an earlier attempt would let it succeed.
     */
    @Test
    void anInterruptMeantForATimedOutAttemptDoesNotLeakIntoTheNextTask() {
        Set<TaskId> startedInterrupted = ConcurrentHashMap.newKeySet();
        List<TaskId> ids = pushAll(storage, "racy", 300);
        started.start(WorkerBuilder.named("racy").backend(storage).concurrency(1).timeout(Duration.ofMillis(1))
            .retry(RetryPolicy.none()).onEvent(recorder).build(Integer.class, (n, ctx) -> {
                if (Thread.currentThread().isInterrupted()) {
                    startedInterrupted.add(ctx.taskId());
                    return;
                }
                long end = System.nanoTime() + TimeUnit.MICROSECONDS.toNanos(500 + (n % 10) * 100);
                while (System.nanoTime() < end) {
                    Thread.onSpinWait();
                }
            }));
        eventually().atMost(Duration.ofSeconds(20)).until(() -> storage.countByQueueAndStatus().stream()
            .filter(count -> count.status().isFinished()).mapToLong(QueueCount::count).sum() == ids.size());
        assertThat(startedInterrupted).allSatisfy(id -> {
            assertThat(task(storage, id).status()).isEqualTo(TaskStatus.KILLED);
            assertThat(recorder.of(TaskSucceeded.class, id)).isEmpty();
        });
        assertThat(recorder.of(TaskKilled.class)).as("some attempts timed out").isNotEmpty();
        assertThat(recorder.of(TaskSucceeded.class)).as("some attempts beat their timeout").isNotEmpty();
    }
}
