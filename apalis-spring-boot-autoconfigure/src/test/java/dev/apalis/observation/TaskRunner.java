package dev.apalis.observation;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.apalis.backend.memory.MemoryStorage;
import dev.apalis.task.AbortTaskException;
import dev.apalis.task.NewTask;
import dev.apalis.task.TaskContext;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskOptions;
import dev.apalis.worker.RetryPolicy;
import dev.apalis.worker.TaskInterceptor;
import dev.apalis.worker.WorkerBuilder;
import dev.apalis.worker.WorkerContext;
import dev.apalis.worker.WorkerEvent;

import static org.awaitility.Awaitility.await;

/**
 * A worker "jobs" on a memory backend whose handler does what the payload says: {@code ok} returns,
 * {@code fail-once} fails its first attempt, {@code fail} always fails, {@code abort} aborts. Retries
 * come at once; tasks may take two attempts.
 */
final class TaskRunner implements AutoCloseable {

    record Job(String mode) {
    }

    static final Duration WAIT = Duration.ofSeconds(10);

    final MemoryStorage storage = new MemoryStorage();

    final List<WorkerEvent> events = new CopyOnWriteArrayList<>();

    final List<TaskContext> handled = new CopyOnWriteArrayList<>();

    private final WorkerContext worker;

    private final Runnable inHandler;

    TaskRunner(Runnable inHandler, TaskInterceptor... interceptors) {
        this.inHandler = inHandler;
        WorkerBuilder builder = WorkerBuilder.named("jobs")
            .backend(this.storage)
            .queue("job-queue")
            .pollInterval(Duration.ofMillis(50))
            .retry(RetryPolicy.exponential(Duration.ZERO, 1.0, Duration.ZERO, 0).maxAttempts(2))
            .onEvent((context, event) -> this.events.add(event));
        for (TaskInterceptor interceptor : interceptors) {
            builder.intercept(interceptor);
        }
        this.worker = builder.build(Job.class, (job, context) -> {
            this.handled.add(context);
            this.inHandler.run();
            switch (job.mode()) {
                case "fail-once" -> {
                    if (context.attempt() == 1) {
                        throw new IllegalStateException("first attempt fails");
                    }
                }
                case "fail" -> throw new IllegalStateException("always fails");
                case "abort" -> throw new AbortTaskException("given up");
                default -> {
                }
            }
        }).start();
    }

    TaskId push(String mode) {
        return push(mode, TaskOptions.defaults());
    }

    TaskId push(String mode, TaskOptions options) {
        return this.storage.push(new NewTask("job-queue", "{\"mode\":\"" + mode + "\"}", options));
    }

    /** Waits until the task succeeded or was killed, and its events were emitted. */
    void awaitFinished(TaskId id) {
        await().atMost(WAIT).until(() -> this.events.stream()
            .anyMatch((event) -> (event instanceof WorkerEvent.TaskSucceeded succeeded && succeeded.taskId().equals(id))
                    || (event instanceof WorkerEvent.TaskKilled killed && killed.taskId().equals(id))));
    }

    WorkerContext worker() {
        return this.worker;
    }

    @Override
    public void close() throws InterruptedException {
        this.worker.stop();
        this.worker.awaitTermination(WAIT);
    }
}
