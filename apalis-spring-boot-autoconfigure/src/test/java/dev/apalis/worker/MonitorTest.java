package dev.apalis.worker;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.apalis.backend.memory.MemoryStorage;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskStatus;
import dev.apalis.worker.WorkerEvent.Start;
import dev.apalis.worker.WorkerEvent.Stop;
import dev.apalis.worker.WorkerEvent.TaskStarted;

import static dev.apalis.worker.WorkerTesting.awaitStatus;
import static dev.apalis.worker.WorkerTesting.eventually;
import static dev.apalis.worker.WorkerTesting.push;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

class MonitorTest {

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

    private Worker worker(String name) {
        return WorkerBuilder.named(name).backend(storage).onEvent(recorder).build(Integer.class, (n, ctx) -> { });
    }

    @Test
    void startsAndStopsSeveralWorkersTogether() throws InterruptedException {
        Monitor monitor = Monitor.create().register(worker("a")).register(worker("b")).register(worker("c"))
            .shutdownTimeout(Duration.ofSeconds(5));
        List<WorkerContext> contexts = monitor.start();
        contexts.forEach(started::add);
        assertThat(contexts).extracting(WorkerContext::name).containsExactly("a", "b", "c");
        List<TaskId> ids = List.of(push(storage, "a", 1), push(storage, "b", 2), push(storage, "c", 3));
        ids.forEach(id -> awaitStatus(storage, id, TaskStatus.DONE));
        assertThat(monitor.stop()).isTrue();
        assertThat(contexts).noneMatch(WorkerContext::isRunning);
        assertThat(recorder.of(Stop.class)).extracting(WorkerEvent::worker).containsExactlyInAnyOrder("a", "b", "c");
    }

    @Test
    void stopReportsWorkersThatOutliveItsTimeout() throws InterruptedException {
        Worker slow = WorkerBuilder.named("slow").backend(storage).shutdownTimeout(Duration.ofSeconds(30)).onEvent(recorder)
            .build(Integer.class, (n, ctx) -> release.await());
        Monitor monitor = Monitor.create().register(slow).register(worker("quick")).shutdownTimeout(Duration.ofMillis(200));
        List<WorkerContext> contexts = monitor.start();
        contexts.forEach(started::add);
        TaskId id = push(storage, "slow", 1);
        recorder.await(TaskStarted.class, id);
        assertThat(monitor.stop()).isFalse();
        WorkerContext quick = contexts.get(1);
        assertThat(quick.isRunning()).isFalse();
        assertThat(contexts.get(0).isRunning()).as("still draining its task").isTrue();
        release.countDown();
        assertThat(contexts.get(0).awaitTermination(Duration.ofSeconds(5))).isTrue();
        awaitStatus(storage, id, TaskStatus.DONE);
    }

    @Test
    void runUntilStopsEveryWorkerWhenTheSignalCompletes() throws Exception {
        CompletableFuture<Void> signal = new CompletableFuture<>();
        Monitor monitor = Monitor.create().register(worker("x")).register(worker("y"));
        Future<?> running = background.submit(() -> {
            monitor.runUntil(signal);
            return null;
        });
        eventually().until(() -> recorder.of(Start.class).size() == 2);
        assertThat(running).isNotDone();
        signal.complete(null);
        running.get(10, TimeUnit.SECONDS);
        assertThat(recorder.of(Stop.class)).extracting(WorkerEvent::worker).containsExactlyInAnyOrder("x", "y");
    }

    @Test
    void runUntilReturnsWhenEveryWorkerStoppedByItself() throws Exception {
        Worker selfStopping = WorkerBuilder.named("once").backend(storage).onEvent(recorder)
            .build(Integer.class, (n, ctx) -> ctx.worker().stop());
        Monitor monitor = Monitor.create().register(selfStopping);
        Future<?> running = background.submit(() -> {
            monitor.runUntil(new CompletableFuture<Void>());
            return null;
        });
        eventually().until(() -> recorder.of(Start.class).size() == 1);
        assertThat(running).isNotDone();
        push(storage, "once", 1);
        running.get(10, TimeUnit.SECONDS);
        assertThat(recorder.of(Stop.class)).extracting(WorkerEvent::worker).containsExactly("once");
    }

    @Test
    void rejectsMisuse() {
        Monitor monitor = Monitor.create().register(worker("m"));
        assertThatIllegalArgumentException().isThrownBy(() -> monitor.shutdownTimeout(Duration.ofSeconds(-1)))
            .withMessage("the shutdown timeout must not be negative, was PT-1S");
        monitor.start().forEach(started::add);
        assertThatIllegalStateException().isThrownBy(() -> monitor.register(worker("late")))
            .withMessage("Register workers before the monitor starts");
        assertThatIllegalStateException().isThrownBy(monitor::start).withMessage("The monitor was already started");
    }
}
