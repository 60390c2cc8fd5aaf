package dev.apalis.spring;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import dev.apalis.backend.TaskCursor;
import dev.apalis.backend.TaskDetails;
import dev.apalis.backend.TaskPage;
import dev.apalis.task.Task;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskStatus;

/**
 * Manages stored tasks from code, beside the {@link TaskClient} that pushes them: details of a task,
 * listings of a queue by status (newest first, in pages), corrections of one task or of a whole queue,
 * and a pause of a queue across every node. The {@code apalis} actuator endpoint uses it.
 * <p>
 * Every correction is guarded by the status it expects, checked by the backend as it makes the change:
 * a task that moved on meanwhile is left alone (the method answers {@code false}), and a running task
 * is never touched. Bulk corrections work in batches, in constant memory. Statuses are public:
 * {@code PENDING} is every task that waits for its first attempt, {@code FAILED} every task that waits
 * for a retry. Thread-safe.
 */
public interface TaskOperator {

    /**
     * The details of a task: its effective maximum attempts, the error of each failed attempt, and the
     * error that ended it (none for a task that succeeded, even on a retry).
     * @param id the task
     * @return its details, or empty if it does not exist (or was pruned)
     */
    Optional<TaskDetails> details(TaskId id);

    /**
     * One page of a queue's tasks in a status, newest first.
     * @param queue the queue
     * @param status the status
     * @param after where the previous page ended ({@link TaskPage#next()}), or {@code null} for the first
     * @param limit the most tasks on the page, 1 to 1,000
     * @return the page
     */
    TaskPage list(String queue, TaskStatus status, TaskCursor after, int limit);

    /**
     * The tasks pushed with a unique key, newest first, whatever their status (an index look-up).
     * @param queue the queue, or {@code null} for every queue
     * @param uniqueKey the unique key
     * @param limit the most tasks returned, 1 to 1,000
     * @return the tasks, newest first
     */
    List<Task> findByUniqueKey(String queue, String uniqueKey, int limit);

    /**
     * Kills a waiting ({@code PENDING} or {@code FAILED}) task so that it never runs.
     * @param id the task
     * @return {@code true} if it waited and is now killed; {@code false} if it runs, finished or is unknown
     */
    boolean cancel(TaskId id);

    /**
     * Makes a {@code FAILED} or {@code KILLED} task run now; a killed task starts again with no attempts.
     * @param id the task
     * @return {@code true} if it is now pending
     */
    boolean retry(TaskId id);

    /**
     * Deletes a finished ({@code DONE} or {@code KILLED}) task.
     * @param id the task
     * @return {@code true} if it was finished and is now gone
     */
    boolean delete(TaskId id);

    /**
     * Moves the next run of a waiting task to another time.
     * @param id the task
     * @param runAt when it may run next
     * @return {@code true} if it waited and now runs at the new time
     */
    boolean reschedule(TaskId id, Instant runAt);

    /**
     * Cancels every waiting task of a queue in a status.
     * @param queue the queue
     * @param status {@code PENDING} or {@code FAILED}
     * @return how many were cancelled
     */
    long cancelAll(String queue, TaskStatus status);

    /**
     * Retries every task of a queue in a status: "retry the 100,000 killed tasks of this queue".
     * @param queue the queue
     * @param status {@code FAILED} or {@code KILLED}
     * @return how many are now pending
     */
    long retryAll(String queue, TaskStatus status);

    /**
     * Deletes every finished task of a queue in a status.
     * @param queue the queue
     * @param status {@code DONE} or {@code KILLED}
     * @return how many were deleted
     */
    long deleteAll(String queue, TaskStatus status);

    /**
     * Pauses a queue on every node that shares the backend (persisted): claims skip it, tasks in
     * flight finish, and every worker of the queue honours it within one poll interval. To pause one
     * worker on this node only, use {@link Workers}.
     * @param queue the queue
     * @param by who pauses it, kept for operators, or {@code null}
     * @return {@code true} if it was running and is now paused, {@code false} if it was paused already
     */
    boolean pause(String queue, String by);

    /**
     * Resumes a queue paused across the cluster and wakes its workers.
     * @param queue the queue
     * @param by who resumes it, or {@code null}
     * @return {@code true} if it was paused and now runs, {@code false} if it was not paused
     */
    boolean resume(String queue, String by);

    /**
     * The queues paused across the cluster.
     * @return their names
     */
    Set<String> pausedQueues();
}
