package dev.apalis.worker;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;

import dev.apalis.backend.Backend;
import dev.apalis.task.JsonPayloadCodec;
import dev.apalis.task.NewTask;
import dev.apalis.task.Task;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskOptions;
import dev.apalis.task.TaskStatus;

import static org.assertj.core.api.Assertions.assertThat;

/** Shared helpers for worker tests. */
final class WorkerTesting {

    static final JsonPayloadCodec CODEC = JsonPayloadCodec.withDefaults();

    /** A retry policy with a short, exact backoff. */
    static final RetryPolicy FAST_RETRIES = RetryPolicy.exponential(Duration.ofMillis(20), 2.0, Duration.ofSeconds(1),
            0.0);

    private WorkerTesting() {
    }

    /** Waits up to 10 s, checking often. */
    static ConditionFactory eventually() {
        return Awaitility.await().atMost(Duration.ofSeconds(10)).pollDelay(Duration.ZERO)
            .pollInterval(Duration.ofMillis(5));
    }

    static TaskId push(Backend backend, String queue, Object payload) {
        return push(backend, queue, payload, TaskOptions.defaults());
    }

    static TaskId push(Backend backend, String queue, Object payload, TaskOptions options) {
        return backend.push(new NewTask(queue, CODEC.encode(payload), options));
    }

    static List<TaskId> pushAll(Backend backend, String queue, int count) {
        List<NewTask> tasks = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            tasks.add(new NewTask(queue, CODEC.encode(i), null));
        }
        return backend.pushAll(tasks);
    }

    static Task task(Backend backend, TaskId id) {
        return backend.find(id).orElseThrow();
    }

    static TaskStatus status(Backend backend, TaskId id) {
        return task(backend, id).status();
    }

    static void awaitStatus(Backend backend, TaskId id, TaskStatus status) {
        eventually().untilAsserted(() -> assertThat(status(backend, id)).isEqualTo(status));
    }

    /** Starts workers and makes sure each is stopped after the test. */
    static final class Started {

        private final List<WorkerContext> contexts = new ArrayList<>();

        WorkerContext start(Worker worker) {
            WorkerContext context = worker.start();
            contexts.add(context);
            return context;
        }

        void add(WorkerContext context) {
            contexts.add(context);
        }

        void stopAll() throws InterruptedException {
            contexts.forEach(WorkerContext::stop);
            for (WorkerContext context : contexts) {
                assertThat(context.awaitTermination(Duration.ofSeconds(10)))
                    .as("worker %s stopped", context.name()).isTrue();
            }
        }
    }
}
