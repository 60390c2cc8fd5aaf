package dev.apalis.backend;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import dev.apalis.task.NewTask;
import dev.apalis.task.Task;
import dev.apalis.task.TaskId;

/**
 * Where tasks are stored, claimed and completed. Workers use it through this SPI; everything a
 * worker does with it can be batched: a claim takes up to as many tasks as the worker has free
 * slots, and completions are reported in groups.
 * <p>
 * Guarantees an implementation must give:
 * <ul>
 * <li>a claimed task is handed to one worker only, until it is completed, released, or rescued
 * after its worker stopped heart-beating;</li>
 * <li>claim counts the attempt: {@link Task#attempts()} of a claimed task is the attempt it starts;</li>
 * <li>completions and releases touch only tasks still {@code RUNNING} under the given worker, so a
 * late report never overwrites a task that was rescued and finished elsewhere;</li>
 * <li>nothing is lost: a task leaves the store only through retention of finished tasks.</li>
 * </ul>
 * Implementations are thread-safe.
 */
public interface Backend extends TaskInspector, AutoCloseable {

    /**
     * Stores a new task. With a unique key that matches an unfinished task of the same queue, stores
     * nothing and returns the existing task's id.
     * @param task the task
     * @return the id of the stored (or existing) task
     */
    TaskId push(NewTask task);

    /**
     * Stores several tasks at once, in one round trip where the backend can.
     * @param tasks the tasks
     * @return their ids, in the order given
     */
    List<TaskId> pushAll(List<NewTask> tasks);

    /**
     * Makes a worker known, so that its claims are guarded by its heart-beat.
     * @param worker the worker
     */
    void register(WorkerRegistration worker);

    /**
     * Tells the backend the worker is alive. Tasks held by workers whose last heart-beat is older than
     * the backend's orphan threshold are put back in the queue.
     * @param workerId the worker's id
     */
    void heartbeat(String workerId);

    /**
     * Forgets a worker after it stopped; it must have released or completed its tasks.
     * @param workerId the worker's id
     */
    void deregister(String workerId);

    /**
     * Claims up to {@code max} tasks of a queue that are due, in order of priority, then run time,
     * then id; marks them {@code RUNNING} under the worker and counts an attempt.
     * @param queue the queue
     * @param workerId the claiming worker
     * @param max the most tasks to claim (the worker's free slots)
     * @return the claimed tasks, possibly none
     */
    List<Task> claim(String queue, String workerId, int max);

    /**
     * Records how attempts ended, all at once.
     * @param workerId the worker that ran them
     * @param completions the outcomes
     */
    void complete(String workerId, Collection<Completion> completions);

    /**
     * Puts tasks that a worker claimed but did not start back in the queue, as if never claimed
     * (the attempt is not counted).
     * @param workerId the worker that claimed them
     * @param ids the tasks
     */
    void release(String workerId, Collection<TaskId> ids);

    /**
     * The earliest run time among the queue's tasks that wait for a future run time.
     * @param queue the queue
     * @return the earliest future run time, or empty when nothing waits
     */
    Optional<Instant> nextRunAt(String queue);

    /**
     * Calls the listener soon after a task is pushed to the queue, from any process where the
     * backend can tell. The listener must return quickly.
     * @param queue the queue
     * @param listener what to call
     * @return a handle that stops the calls when closed
     */
    Subscription subscribe(String queue, Runnable listener);

    /**
     * Checks that the backend answers, for health checks: one cheap round trip at most, never a scan.
     * Returns normally when it answers; throws when it does not (the database cannot be reached, or
     * the backend's tables are missing). The default looks up a task id that never exists, which any
     * backend answers from its primary key.
     * @throws RuntimeException (a {@code DataAccessException} for a JDBC backend) when the backend does
     * not answer
     */
    default void ping() {
        find(new TaskId(new UUID(0, 0)));
    }

    /**
     * Releases what the backend holds (listener connections, threads). Stored tasks stay.
     */
    @Override
    void close();

    /**
     * A subscription to push notifications; closing it twice is harmless.
     */
    @FunctionalInterface
    interface Subscription extends AutoCloseable {

        @Override
        void close();
    }
}
