package dev.apalis.backend;

import java.time.Duration;
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
 * <li>an attempt is charged only when its handler starts: a claim charges the tasks that start at once
 * (see {@link ClaimRequest#startingNow()}); the others are charged by {@link #started} or by their
 * completion, and a release or a rescue of a task that never started charges nothing.
 * {@link Task#attempts()} of a claimed task is always the number of the attempt it runs when started;</li>
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
     * Tells the backend the worker is alive and which claimed tasks it knows it holds. A backend that
     * records them puts back, after its orphan threshold, tasks claimed under a live worker that the
     * worker does not name (a claim whose reply was lost). The default ignores the list.
     * @param workerId the worker's id
     * @param held the tasks the worker has claimed and not yet completed or released
     */
    default void heartbeat(String workerId, Collection<TaskId> held) {
        heartbeat(workerId);
    }

    /**
     * How long a worker may go without a heart-beat before its tasks are put back in the queue, when
     * the backend has such a threshold. A worker that could not heart-beat for that long stops starting
     * the tasks it claimed ahead, as they may be rescued and run elsewhere.
     * @return the orphan threshold, or empty when the backend never rescues
     */
    default Optional<Duration> orphanThreshold() {
        return Optional.empty();
    }

    /**
     * Forgets a worker after it stopped; it must have released or completed its tasks.
     * @param workerId the worker's id
     */
    void deregister(String workerId);

    /**
     * Claims due tasks of a queue, in order of priority, then run time, then id, and marks them
     * {@code RUNNING} under the worker. The first {@link ClaimRequest#startingNow()} of them are
     * charged an attempt now; the rest are charged when reported {@link #started} (or completed). A
     * task that was rescued from a dead worker without its start being recorded is charged now
     * whatever its place, so that a task which kills its worker cannot escape its maximum. A task
     * without a maximum of its own gets {@link ClaimRequest#maxAttempts()}, stored.
     * @param request what to claim
     * @return the claimed tasks in claim order, possibly none; {@link Task#attempts()} is the attempt
     * each runs when started, {@link Task#maxAttempts()} its effective maximum
     */
    List<Task> claim(ClaimRequest request);

    /**
     * Claims up to {@code max} tasks that all start at once (each is charged an attempt), with no
     * default maximum of attempts.
     * @param queue the queue
     * @param workerId the claiming worker
     * @param max the most tasks to claim
     * @return the claimed tasks, possibly none
     */
    default List<Task> claim(String queue, String workerId, int max) {
        return claim(new ClaimRequest(queue, workerId, max, max, 0));
    }

    /**
     * Records that the handlers of tasks claimed ahead have started: each is charged its attempt, once
     * (a task already charged is left alone). Touches only tasks still {@code RUNNING} under the worker.
     * @param workerId the worker that claimed them
     * @param ids the tasks
     */
    void started(String workerId, Collection<TaskId> ids);

    /**
     * Records how attempts ended, all at once.
     * @param workerId the worker that ran them
     * @param completions the outcomes
     */
    void complete(String workerId, Collection<Completion> completions);

    /**
     * Puts tasks that a worker claimed but did not start back in the queue, as if never claimed
     * (a charged attempt is refunded).
     * @param workerId the worker that claimed them
     * @param ids the tasks
     */
    void release(String workerId, Collection<TaskId> ids);

    /**
     * How long until the earliest future run time among the queue's waiting tasks, on the backend's
     * clock (so a worker whose clock differs waits the right time).
     * @param queue the queue
     * @return the time until the next task is due, or empty when nothing waits for a future run time
     */
    Optional<Duration> nextRunIn(String queue);

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
