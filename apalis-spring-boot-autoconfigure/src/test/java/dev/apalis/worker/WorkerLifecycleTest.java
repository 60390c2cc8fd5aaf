package dev.apalis.worker;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.apalis.backend.ForwardingBackend;
import dev.apalis.backend.QueueCount;
import dev.apalis.backend.memory.MemoryStorage;
import dev.apalis.task.Task;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskStatus;
import dev.apalis.task.TaskWorker;
import dev.apalis.worker.WorkerEvent.Idle;
import dev.apalis.worker.WorkerEvent.Paused;
import dev.apalis.worker.WorkerEvent.Resumed;
import dev.apalis.worker.WorkerEvent.Start;
import dev.apalis.worker.WorkerEvent.Stop;
import dev.apalis.worker.WorkerEvent.TaskFailed;
import dev.apalis.worker.WorkerEvent.TaskStarted;
import dev.apalis.worker.WorkerEvent.TaskSucceeded;

import static dev.apalis.worker.WorkerTesting.awaitStatus;
import static dev.apalis.worker.WorkerTesting.eventually;
import static dev.apalis.worker.WorkerTesting.push;
import static dev.apalis.worker.WorkerTesting.pushAll;
import static dev.apalis.worker.WorkerTesting.status;
import static dev.apalis.worker.WorkerTesting.task;
import static org.assertj.core.api.Assertions.assertThat;

class WorkerLifecycleTest {

    private final MemoryStorage storage = new MemoryStorage();

    private final Recorder recorder = new Recorder();

    private final WorkerTesting.Started started = new WorkerTesting.Started();

    private final CountDownLatch release = new CountDownLatch(1);

    private final ExecutorService background = Executors.newCachedThreadPool();

    @AfterEach
    void stopWorkers() throws InterruptedException {
        release.countDown();
        started.stopAll();
        background.shutdownNow();
    }

    private WorkerBuilder worker(String name) {
        return WorkerBuilder.named(name).backend(storage).onEvent(recorder);
    }

    private static void assertEndsWithOneStop(List<WorkerEvent> events) {
        assertThat(events).isNotEmpty();
        assertThat(events.get(0)).isInstanceOf(Start.class);
        assertThat(events.get(events.size() - 1)).isInstanceOf(Stop.class);
        assertThat(events).filteredOn(Stop.class::isInstance).hasSize(1);
    }

    // ---------------------------------------------------------------- pause and resume

    @Test
    void noTaskStartsWhilePausedAndAllRunAfterResume() {
        AtomicInteger starts = new AtomicInteger();
        WorkerContext context = started.start(worker("pausable").concurrency(2)
            .build(Integer.class, (n, ctx) -> starts.incrementAndGet()));
        recorder.await(Idle.class);
        context.pause();
        context.pause();
        assertThat(context.isPaused()).isTrue();
        assertThat(recorder.of(Paused.class)).as("a second pause does nothing").hasSize(1);

        List<TaskId> ids = pushAll(storage, "pausable", 3);
        Awaitility.await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2))
            .untilAsserted(() -> assertThat(starts.get()).isZero());
        assertThat(ids).allSatisfy(id -> {
            assertThat(status(storage, id)).isEqualTo(TaskStatus.PENDING);
            assertThat(task(storage, id).attempts()).isZero();
        });
        assertThat(recorder.of(TaskStarted.class)).isEmpty();

        context.resume();
        assertThat(context.isPaused()).isFalse();
        eventually().until(() -> ids.stream().allMatch(id -> status(storage, id) == TaskStatus.DONE));
        assertThat(starts.get()).isEqualTo(3);
        assertThat(recorder.of(Resumed.class)).hasSize(1);
        assertThat(recorder.indexOf(Paused.class::isInstance)).isLessThan(recorder.indexOf(Resumed.class::isInstance));
        assertThat(recorder.indexOf(Resumed.class::isInstance))
            .isLessThan(recorder.indexOf(TaskStarted.class::isInstance));
    }

    @Test
    void aPauseWhileTheWorkerClaimsStartsNothing() {
        HeldClaimBackend backend = new HeldClaimBackend(storage);
        AtomicInteger starts = new AtomicInteger();
        List<TaskId> ids = pushAll(storage, "held", 2);
        backend.arm();
        WorkerContext context = started.start(WorkerBuilder.named("held").backend(backend).onEvent(recorder)
            .build(Integer.class, (n, ctx) -> starts.incrementAndGet()));
        awaitLatch(backend.inClaim);
        context.pause();
        backend.proceed.countDown();
        Awaitility.await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2))
            .untilAsserted(() -> assertThat(starts.get()).isZero());
        eventually().untilAsserted(() -> assertThat(ids).allSatisfy(id -> {
            assertThat(status(storage, id)).as("released while paused").isEqualTo(TaskStatus.PENDING);
            assertThat(task(storage, id).attempts()).isZero();
        }));
        context.resume();
        eventually().until(() -> ids.stream().allMatch(id -> status(storage, id) == TaskStatus.DONE));
        assertThat(starts.get()).isEqualTo(2);
    }

    // ---------------------------------------------------------------- stopping

    @Test
    @Timeout(20)
    void aHandlerCanStopItsWorkerAndTheRestStayPending() throws InterruptedException {
        List<TaskId> ids = pushAll(storage, "self-stop", 5);
        AtomicInteger runs = new AtomicInteger();
        AtomicReference<TaskWorker> context = new AtomicReference<>();
        Worker worker = worker("self-stop").concurrency(1).build(Integer.class, (n, ctx) -> {
            runs.incrementAndGet();
            context.set(ctx.worker());
            ctx.worker().stop();
            assertThat(ctx.worker().isRunning()).as("still running until this task is done").isTrue();
        });
        worker.run();
        assertThat(runs.get()).isEqualTo(1);
        assertThat(context.get().isRunning()).isFalse();
        assertThat(status(storage, ids.get(0))).isEqualTo(TaskStatus.DONE);
        assertThat(ids.subList(1, 5)).allSatisfy(id -> {
            assertThat(status(storage, id)).isEqualTo(TaskStatus.PENDING);
            assertThat(task(storage, id).attempts()).isZero();
        });
        assertEndsWithOneStop(recorder.events());
        assertThat(recorder.indexOf(TaskSucceeded.class::isInstance))
            .isLessThan(recorder.indexOf(Stop.class::isInstance));
    }

    @Test
    void runUntilReturnsAfterTheSignalCompletesAndStopsGracefully() throws Exception {
        CompletableFuture<String> signal = new CompletableFuture<>();
        TaskId id = push(storage, "until", 1);
        Worker worker = worker("until").build(Integer.class, (n, ctx) -> { });
        Future<?> running = background.submit(() -> {
            worker.runUntil(signal);
            return null;
        });
        awaitStatus(storage, id, TaskStatus.DONE);
        recorder.await(Idle.class);
        assertThat(running).isNotDone();
        assertThat(recorder.of(Stop.class)).isEmpty();
        signal.complete("deploy");
        running.get(10, TimeUnit.SECONDS);
        assertEndsWithOneStop(recorder.events());
    }

    @Test
    void runUntilAlsoStopsWhenTheSignalFails() throws Exception {
        CompletableFuture<Void> signal = new CompletableFuture<>();
        Worker worker = worker("until-failed").build(Integer.class, (n, ctx) -> { });
        Future<?> running = background.submit(() -> {
            worker.runUntil(signal);
            return null;
        });
        recorder.await(Start.class);
        signal.completeExceptionally(new IllegalStateException("lost leadership"));
        running.get(10, TimeUnit.SECONDS);
        assertEndsWithOneStop(recorder.events());
    }

    @Test
    void anInterruptedRunStopsTheWorkerBeforeItThrows() throws Exception {
        Worker worker = worker("interrupted").build(Integer.class, (n, ctx) -> { });
        AtomicReference<Thread> runner = new AtomicReference<>();
        Future<Throwable> running = background.submit(() -> {
            runner.set(Thread.currentThread());
            try {
                worker.run();
                return null;
            }
            catch (InterruptedException ex) {
                return ex;
            }
        });
        recorder.await(Start.class);
        runner.get().interrupt();
        assertThat(running.get(10, TimeUnit.SECONDS)).isInstanceOf(InterruptedException.class);
        assertEndsWithOneStop(recorder.events());
    }

    @Test
    void aGracefulStopFinishesTasksInFlightAndReleasesPrefetchedOnesAtOnce() throws InterruptedException {
        List<TaskId> ids = pushAll(storage, "graceful", 5);
        AtomicInteger starts = new AtomicInteger();
        WorkerContext context = started.start(worker("graceful").concurrency(2).prefetch(3)
            .shutdownTimeout(Duration.ofSeconds(10)).build(Integer.class, (n, ctx) -> {
                starts.incrementAndGet();
                release.await();
            }));
        eventually().until(() -> storage.countByQueueAndStatus()
            .equals(List.of(new QueueCount("graceful", TaskStatus.RUNNING, 5))));
        eventually().until(() -> recorder.of(TaskStarted.class).size() == 2);
        List<TaskId> inFlight = recorder.of(TaskStarted.class).stream().map(TaskStarted::taskId).toList();
        List<TaskId> prefetched = ids.stream().filter(id -> !inFlight.contains(id)).toList();

        context.stop();
        eventually().untilAsserted(() -> assertThat(prefetched).allSatisfy(id -> {
            assertThat(status(storage, id)).isEqualTo(TaskStatus.PENDING);
            assertThat(task(storage, id).attempts()).as("the attempt is not counted").isZero();
        }));
        assertThat(context.isRunning()).as("still draining").isTrue();
        assertThat(inFlight).allSatisfy(id -> assertThat(status(storage, id)).isEqualTo(TaskStatus.RUNNING));
        assertThat(recorder.of(Stop.class)).isEmpty();

        release.countDown();
        assertThat(context.awaitTermination(Duration.ofSeconds(10))).isTrue();
        assertThat(context.isRunning()).isFalse();
        assertThat(inFlight).allSatisfy(id -> {
            assertThat(status(storage, id)).isEqualTo(TaskStatus.DONE);
            assertThat(task(storage, id).attempts()).isEqualTo(1);
        });
        assertThat(prefetched).allSatisfy(id -> assertThat(status(storage, id)).isEqualTo(TaskStatus.PENDING));
        assertThat(starts.get()).isEqualTo(2);
        List<WorkerEvent> events = recorder.events();
        assertEndsWithOneStop(events);
        assertThat(recorder.of(TaskSucceeded.class)).extracting(TaskSucceeded::taskId)
            .containsExactlyInAnyOrderElementsOf(inFlight);
    }

    @Test
    void aStopWithAShortShutdownTimeoutInterruptsTheTaskAndPutsItBackWithoutLosingAnAttempt()
            throws InterruptedException {
        AtomicBoolean interrupted = new AtomicBoolean();
        TaskId id = push(storage, "cut", 1);
        WorkerContext context = started.start(worker("cut").shutdownTimeout(Duration.ofMillis(100))
            .build(Integer.class, (n, ctx) -> {
                try {
                    release.await();
                }
                catch (InterruptedException ex) {
                    interrupted.set(true);
                    throw ex;
                }
            }));
        recorder.await(TaskStarted.class, id);
        Instant stoppedAt = Instant.now();
        context.stop();
        assertThat(context.awaitTermination(Duration.ofSeconds(5))).isTrue();
        eventually().untilTrue(interrupted);
        Task task = task(storage, id);
        assertThat(task.status()).isEqualTo(TaskStatus.PENDING);
        assertThat(task.attempts()).as("the interrupted attempt is not counted").isZero();
        assertThat(task.runAt()).isBetween(stoppedAt, Instant.now());
        assertThat(task.lastError()).contains("Interrupted: worker 'cut' stopped before the task finished")
            .contains("the attempt is not counted");
        TaskFailed failed = recorder.of(TaskFailed.class, id).get(0);
        assertThat(failed.willRetry()).isTrue();
        assertEndsWithOneStop(recorder.events());

        Recorder second = new Recorder();
        started.start(WorkerBuilder.named("cut").backend(storage).onEvent(second).build(Integer.class, (n, ctx) -> { }));
        awaitStatus(storage, id, TaskStatus.DONE);
        assertThat(task(storage, id).attempts()).isEqualTo(1);
    }

    /** Handler threads that start only when the test opens the gate. */
    private static ThreadFactory gated(CountDownLatch gate) {
        return runnable -> {
            Thread thread = new Thread(() -> {
                try {
                    gate.await(10, TimeUnit.SECONDS);
                }
                catch (InterruptedException ex) {
                    return;
                }
                runnable.run();
            }, "gated-handler");
            thread.setDaemon(true);
            return thread;
        };
    }

    @Test
    void aStopWhileTheWorkerClaimsReleasesWhatItClaimed() throws InterruptedException {
        HeldClaimBackend backend = new HeldClaimBackend(storage);
        CountDownLatch gate = new CountDownLatch(1);
        AtomicInteger starts = new AtomicInteger();
        List<TaskId> ids = pushAll(storage, "stop-claim", 3);
        backend.arm();
        WorkerContext context = started.start(WorkerBuilder.named("stop-claim").backend(backend).onEvent(recorder)
            .shutdownTimeout(Duration.ZERO).handlerThreads(gated(gate))
            .build(Integer.class, (n, ctx) -> starts.incrementAndGet()));
        awaitLatch(backend.inClaim);
        context.stop();
        backend.proceed.countDown();
        assertThat(context.awaitTermination(Duration.ofSeconds(5))).isTrue();
        gate.countDown();
        eventually().untilAsserted(() -> assertThat(ids).allSatisfy(id -> {
            assertThat(status(storage, id)).isEqualTo(TaskStatus.PENDING);
            assertThat(task(storage, id).attempts()).isZero();
        }));
        assertThat(starts.get()).isZero();
        assertThat(recorder.of(TaskStarted.class)).isEmpty();
        assertEndsWithOneStop(recorder.events());
    }

    @Test
    void aTaskHandedToAHandlerThreadThatDidNotStartYetIsReleasedOnStop() throws InterruptedException {
        CountDownLatch gate = new CountDownLatch(1);
        AtomicInteger starts = new AtomicInteger();
        TaskId id = push(storage, "handed", 1);
        WorkerContext context = started.start(WorkerBuilder.named("handed").backend(storage).onEvent(recorder)
            .shutdownTimeout(Duration.ZERO).handlerThreads(gated(gate))
            .build(Integer.class, (n, ctx) -> starts.incrementAndGet()));
        eventually().until(() -> context.inFlight() == 1);
        context.stop();
        assertThat(context.awaitTermination(Duration.ofSeconds(5))).isTrue();
        gate.countDown();
        eventually().untilAsserted(() -> {
            assertThat(status(storage, id)).isEqualTo(TaskStatus.PENDING);
            assertThat(task(storage, id).attempts()).isZero();
        });
        Awaitility.await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(2))
            .untilAsserted(() -> assertThat(starts.get()).isZero());
        assertThat(recorder.of(TaskStarted.class)).isEmpty();
        assertEndsWithOneStop(recorder.events());
    }

    @Test
    void stopBeforeStartAndStartTwice() throws InterruptedException {
        Worker worker = worker("twice").build(Integer.class, (n, ctx) -> { });
        WorkerContext context = started.start(worker);
        org.assertj.core.api.Assertions.assertThatIllegalStateException().isThrownBy(worker::start)
            .withMessageContaining("Worker 'twice' was already started");
        context.stop();
        context.stop();
        assertThat(context.awaitTermination(Duration.ofSeconds(5))).isTrue();
        context.pause();
        context.resume();
        assertThat(recorder.of(Paused.class)).isEmpty();
        assertEndsWithOneStop(recorder.events());
    }

    @Test
    void stopWaitsForTheBackendToRecordOutcomesBeforeEmittingStop() throws InterruptedException {
        CountDownLatch inComplete = new CountDownLatch(1);
        CountDownLatch letComplete = new CountDownLatch(1);
        ForwardingBackend slow = new ForwardingBackend(storage) {

            @Override
            public void complete(String workerId, java.util.Collection<dev.apalis.backend.Completion> completions) {
                inComplete.countDown();
                try {
                    letComplete.await(10, TimeUnit.SECONDS);
                }
                catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                }
                super.complete(workerId, completions);
            }
        };
        TaskId id = push(storage, "slow-backend", 1);
        WorkerContext context = started.start(WorkerBuilder.named("slow-backend").backend(slow).onEvent(recorder)
            .build(Integer.class, (n, ctx) -> { }));
        awaitLatch(inComplete);
        context.stop();
        assertThat(context.awaitTermination(Duration.ofMillis(300))).as("waits for the completion").isFalse();
        letComplete.countDown();
        assertThat(context.awaitTermination(Duration.ofSeconds(5))).isTrue();
        assertThat(status(storage, id)).isEqualTo(TaskStatus.DONE);
        assertEndsWithOneStop(recorder.events());
        assertThat(recorder.indexOf(TaskSucceeded.class::isInstance)).isPositive()
            .isLessThan(recorder.indexOf(Stop.class::isInstance));
    }

    @Test
    void idleIsEmittedOncePerIdlePeriod() {
        started.start(worker("idler").build(Integer.class, (n, ctx) -> { }));
        recorder.await(Idle.class);
        TaskId id = push(storage, "idler", 1);
        awaitStatus(storage, id, TaskStatus.DONE);
        eventually().until(() -> recorder.of(Idle.class).size() == 2);
        Awaitility.await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(2))
            .untilAsserted(() -> assertThat(recorder.of(Idle.class)).hasSize(2));
        int succeeded = recorder.indexOf(TaskSucceeded.class::isInstance);
        assertThat(recorder.events().subList(succeeded, recorder.size())).filteredOn(Idle.class::isInstance).hasSize(1);
    }

    // ---------------------------------------------------------------- events

    @Test
    @Timeout(20)
    void streamYieldsTheEventsInOrderAndEndsAfterStop() {
        List<TaskId> ids = pushAll(storage, "streamed", 3);
        Worker worker = WorkerBuilder.named("streamed").backend(storage).concurrency(2)
            .onEvent((context, event) -> {
                if (event instanceof Idle) {
                    context.stop();
                }
            })
            .build(Integer.class, (n, ctx) -> { });
        List<WorkerEvent> events;
        try (Stream<WorkerEvent> stream = worker.stream()) {
            events = stream.toList();
        }
        assertEndsWithOneStop(events);
        assertThat(events).allSatisfy(event -> assertThat(event.worker()).isEqualTo("streamed"));
        for (TaskId id : ids) {
            int startedAt = indexOf(events, TaskStarted.class, id);
            int succeededAt = indexOf(events, TaskSucceeded.class, id);
            assertThat(startedAt).isPositive();
            assertThat(succeededAt).isGreaterThan(startedAt);
        }
        int idle = events.indexOf(events.stream().filter(Idle.class::isInstance).findFirst().orElseThrow());
        assertThat(events.subList(0, idle)).filteredOn(TaskSucceeded.class::isInstance).hasSize(3);
        assertThat(events.subList(1, events.size())).noneMatch(Start.class::isInstance);
        Instant startAt = events.get(0).at();
        Instant stopAt = events.get(events.size() - 1).at();
        assertThat(events).allSatisfy(event -> assertThat(event.at()).isBetween(startAt, stopAt));
    }

    @Test
    void closingTheStreamStopsTheWorker() {
        Worker worker = worker("closed").build(Integer.class, (n, ctx) -> { });
        Stream<WorkerEvent> stream = worker.stream();
        assertThat(stream.iterator().next()).isInstanceOf(Start.class);
        stream.close();
        recorder.await(Stop.class);
    }

    @Test
    void aThrowingListenerDoesNotBreakTheWorker() {
        AtomicInteger thrown = new AtomicInteger();
        TaskId ok = push(storage, "noisy", 1);
        TaskId flaky = push(storage, "noisy", 2);
        Worker worker = WorkerBuilder.named("noisy").backend(storage).retry(WorkerTesting.FAST_RETRIES)
            .onEvent((context, event) -> {
                thrown.incrementAndGet();
                throw new IllegalStateException("listener bug");
            })
            .onEvent((context, event) -> {
                throw new AssertionError("listener assertion");
            })
            .onEvent(recorder)
            .build(Integer.class, (n, ctx) -> {
                if (n == 2 && ctx.attempt() == 1) {
                    throw new IllegalStateException("first attempt fails");
                }
            });
        WorkerContext context = started.start(worker);
        awaitStatus(storage, ok, TaskStatus.DONE);
        awaitStatus(storage, flaky, TaskStatus.DONE);
        context.stop();
        recorder.await(Stop.class);
        assertThat(recorder.of(TaskSucceeded.class)).hasSize(2);
        assertThat(recorder.of(TaskFailed.class)).hasSize(1);
        assertThat(thrown.get()).isEqualTo(recorder.events().size());
    }

    @Test
    void taskEventsNameTheirWorkerTaskQueueAndAttempt() {
        TaskId id = push(storage, "jobs", 1);
        started.start(WorkerBuilder.named("named-worker").queue("jobs").backend(storage).onEvent(recorder)
            .build(Integer.class, (n, ctx) -> { }));
        TaskSucceeded succeeded = recorder.await(TaskSucceeded.class, id);
        assertThat(succeeded.worker()).isEqualTo("named-worker");
        assertThat(succeeded.queue()).isEqualTo("jobs");
        assertThat(succeeded.attempt()).isEqualTo(1);
        assertThat(succeeded.duration()).isGreaterThanOrEqualTo(Duration.ZERO);
        TaskStarted taskStarted = recorder.of(TaskStarted.class, id).get(0);
        assertThat(taskStarted.at()).isBeforeOrEqualTo(succeeded.at());
    }

    private static int indexOf(List<WorkerEvent> events, Class<? extends WorkerEvent.TaskEvent> type, TaskId id) {
        for (int i = 0; i < events.size(); i++) {
            if (type.isInstance(events.get(i)) && ((WorkerEvent.TaskEvent) events.get(i)).taskId().equals(id)) {
                return i;
            }
        }
        return -1;
    }

    private static void awaitLatch(CountDownLatch latch) {
        eventually().until(() -> latch.getCount() == 0);
    }
}
