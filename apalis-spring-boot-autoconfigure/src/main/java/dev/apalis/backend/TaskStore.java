package dev.apalis.backend;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

import dev.apalis.task.NewTask;
import dev.apalis.task.Task;
import dev.apalis.task.TaskId;

/**
 * The task store part of the {@link Backend} SPI: tasks go in by a push, out to a worker by a claim, and
 * back by an outcome or a release. Every call a worker makes here can be batched.
 * <p>
 * Guarantees an implementation must give:
 * <ul>
 * <li><b>Atomic pushes.</b> A push stores its task or nothing; {@link #pushAll} stores every task or none.
 * A unique key held by an unfinished task of the same queue stores nothing and answers that task's id,
 * also between tasks of one batch.</li>
 * <li><b>Claim order.</b> Due tasks are claimed by priority (lower first), then run time, then id. A task
 * whose run time is in the future (a delay, a retry) is never claimed before it. A claim bounded by
 * {@link ClaimRequest#priorityBelow()} claims only tasks of a lower priority number than the bound.</li>
 * <li><b>Exclusive claims.</b> A claimed task is handed to one worker only, however many claim at once
 * and from however many nodes share the store, until it is completed, released or rescued (see
 * {@link WorkerLeases}).</li>
 * <li><b>Attempts charged when handlers start.</b> A claim charges the first
 * {@link ClaimRequest#startingNow()} tasks; the others are charged by {@link #started} or by their
 * completion; a release, an interruption, or a rescue of a task that never started charges nothing.
 * {@link Task#attempts()} of a claimed task is the number of the attempt it runs when started.</li>
 * <li><b>Guarded outcomes.</b> {@link #started}, {@link #complete} and {@link #release} touch only tasks
 * still {@code RUNNING} under the given worker, so a late report of a worker whose tasks were rescued
 * never overwrites what happened to them since; repeating a call is harmless.</li>
 * <li><b>Lost replies.</b> A push whose reply was lost may have stored its task (push with a unique key
 * to make a retried push safe); a claim whose reply was lost leaves its tasks claimed until the
 * worker's next heart-beat that names what it holds (see {@link WorkerLeases#heartbeat(String, Collection)});
 * an outcome whose reply was lost may be sent again.</li>
 * <li><b>Nothing is lost.</b> A task leaves the store only through retention of finished tasks (see
 * {@link BackendMaintenance}) or an operator's delete.</li>
 * </ul>
 * Implementations are thread-safe.
 */
public interface TaskStore {

    /**
     * Stores a new task. With a unique key that matches an unfinished task of the same queue, stores
     * nothing and returns the existing task's id.
     * @param task the task
     * @return the id of the stored (or existing) task
     */
    TaskId push(NewTask task);

    /**
     * Stores several tasks at once, all or none, in one round trip where the backend can.
     * @param tasks the tasks
     * @return their ids, in the order given
     */
    List<TaskId> pushAll(List<NewTask> tasks);

    /**
     * Claims due tasks of a queue, in order of priority, then run time, then id, and marks them
     * {@code RUNNING} under the worker. The first {@link ClaimRequest#startingNow()} of them are
     * charged an attempt now; the rest are charged when reported {@link #started} (or completed). A
     * task that was rescued from a dead worker without its start being recorded is charged now
     * whatever its place, so that a task which kills its worker cannot escape its maximum. A task
     * without a maximum of its own gets {@link ClaimRequest#maxAttempts()}, stored. A queue paused across
     * the cluster (see {@link TaskManagement#pause}) yields nothing. With
     * {@link ClaimRequest#priorityBelow()}, only tasks of a strictly lower priority number are claimed;
     * finding that there are none must cost about one index probe, as a worker sends such a claim at
     * every push while it holds tasks claimed ahead.
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
     * Records how attempts ended, all at once. Touches only tasks still {@code RUNNING} under the worker.
     * @param workerId the worker that ran them
     * @param completions the outcomes
     */
    void complete(String workerId, Collection<Completion> completions);

    /**
     * Puts tasks that a worker claimed but did not start back in the queue, as if never claimed
     * (a charged attempt is refunded). Touches only tasks still {@code RUNNING} under the worker.
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
}
