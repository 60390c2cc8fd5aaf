package dev.apalis.backend.conformance;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

import org.junit.jupiter.api.Assumptions;

import dev.apalis.backend.Backend;
import dev.apalis.backend.BackendCapability;
import dev.apalis.backend.BackendMaintenance;
import dev.apalis.backend.WorkerRegistration;
import dev.apalis.task.NewTask;
import dev.apalis.task.Task;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskOptions;
import dev.apalis.task.TaskStatus;

import static org.awaitility.Awaitility.await;

/**
 * What the contracts of the conformance suite need from the backend under test, and the small helpers
 * they share. {@link BackendConformance} implements it; a backend's test extends that class.
 */
public interface BackendFixture {

    /**
     * The backend under test, shared by the tests of a class; every test uses queues of its own.
     * @return the backend
     */
    Backend backend();

    /**
     * Another node on the same store when the backend declares {@link BackendCapability#SHARED_STORE},
     * else the backend itself.
     * @return the other node
     */
    Backend peer();

    /**
     * Opens one more node on the backend's store, which the caller closes; only called when the backend
     * declares {@link BackendCapability#SHARED_STORE}.
     * @return a new backend on the same store
     */
    Backend openNode();

    /**
     * Lets the backend's clock move on by at least the duration: a test clock is advanced, a real one
     * (a database's) is waited for.
     * @param duration how far
     */
    void elapse(Duration duration);

    /**
     * The backend's present time, by the clock it decides due times with.
     * @return now
     */
    Instant now();

    /**
     * The longest retention of finished tasks the backend under test was built with, short enough to wait
     * for (a few seconds), or {@code null} to skip the retention tests.
     * @return the retention, or {@code null}
     */
    Duration retention();

    /**
     * A task the backend refuses to store (a payload that is not JSON, say), to check that a batch with
     * it stores nothing; {@code null} when the backend refuses nothing a {@link NewTask} allows.
     * @param queue the queue to push it to
     * @return the task, or {@code null}
     */
    NewTask refusedTask(String queue);

    /**
     * A queue name no other test uses.
     * @param hint a readable part
     * @return the name
     */
    default String queue(String hint) {
        return hint + "-" + UUID.randomUUID().toString().substring(0, 8).toLowerCase(Locale.ROOT);
    }

    /**
     * Registers a new worker of the queue on the backend.
     * @param queue the queue
     * @return the worker's id
     */
    default String worker(String queue) {
        String id = queue + "-worker-" + UUID.randomUUID();
        backend().register(new WorkerRegistration(id, queue + "-worker", queue));
        return id;
    }

    /**
     * Pushes a task with the given options and a small JSON payload.
     * @param queue the queue
     * @param options the options
     * @return its id
     */
    default TaskId push(String queue, TaskOptions options) {
        return backend().push(new NewTask(queue, "{\"n\":1}", options));
    }

    /**
     * Pushes a task with the default options.
     * @param queue the queue
     * @return its id
     */
    default TaskId push(String queue) {
        return push(queue, TaskOptions.defaults());
    }

    /**
     * Claims up to {@code max} tasks that start at once.
     * @param queue the queue
     * @param worker the worker
     * @param max the most tasks
     * @return the claimed tasks
     */
    default List<Task> claim(String queue, String worker, int max) {
        return backend().claim(queue, worker, max);
    }

    /**
     * The stored task.
     * @param id its id
     * @return the task
     */
    default Task task(TaskId id) {
        return backend().find(id).orElseThrow(() -> new AssertionError("task " + id + " is not stored"));
    }

    /**
     * Runs the backend's maintenance rounds now if it offers them ({@link BackendMaintenance}); tests call
     * it in an await loop, so a backend that only runs them on its own also passes.
     */
    default void maintain() {
        if (backend() instanceof BackendMaintenance maintenance) {
            maintenance.rescueOrphans();
        }
    }

    /**
     * Waits until maintenance has moved the task out of {@code RUNNING}.
     * @param id the task
     * @return the task after its rescue
     */
    default Task awaitRescued(TaskId id) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> {
            maintain();
            return task(id).status() != TaskStatus.RUNNING;
        });
        return task(id);
    }

    /**
     * Skips the test unless the backend declares the capability.
     * @param capability the capability
     */
    default void assumeCapability(BackendCapability capability) {
        Assumptions.assumeTrue(backend().capabilities().contains(capability),
                () -> backend() + " does not declare " + capability);
    }

    /**
     * The backend's orphan threshold; skips the test when it has none (it never rescues).
     * @return the threshold
     */
    default Duration orphanThreshold() {
        Assumptions.assumeTrue(backend().orphanThreshold().isPresent(), () -> backend() + " never rescues");
        return backend().orphanThreshold().orElseThrow();
    }
}
