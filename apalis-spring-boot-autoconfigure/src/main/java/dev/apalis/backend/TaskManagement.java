package dev.apalis.backend;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import dev.apalis.task.Task;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskStatus;

/**
 * The operators' SPI of a backend: details of one task, listings by queue and status, corrections of
 * single tasks and of whole queues, and a pause of a queue across every node that shares the store.
 * <p>
 * Statuses here are public ({@link TaskStatus}): a backend that stores more states maps them, so that
 * {@code PENDING} covers every task that waits for its first attempt and {@code FAILED} every task
 * that waits for a retry. Every correction is guarded by the status it expects, checked where the
 * change is made, so it never changes a task that moved on meanwhile; none touches a {@code RUNNING}
 * task. Bulk corrections work in batches, in constant memory, however many tasks they change.
 * Implementations are thread-safe.
 */
public interface TaskManagement {

    /** How many tasks one statement of a bulk correction changes at most. */
    int BATCH_SIZE = 1_000;

    /**
     * The details of a task.
     * @param id the task
     * @return its details, or empty if it does not exist (or was pruned)
     */
    Optional<TaskDetails> details(TaskId id);

    /**
     * One page of a queue's tasks in a status, newest first.
     * @param queue the queue
     * @param status the public status
     * @param after where the previous page ended, or {@code null} for the first page
     * @param limit the most tasks on the page, 1 or more
     * @return the page
     */
    TaskPage list(String queue, TaskStatus status, TaskCursor after, int limit);

    /**
     * The tasks pushed with a unique key, newest first, whatever their status: the unfinished one that
     * holds the key and the finished ones that held it before. Served by an index, however many tasks
     * are stored.
     * @param queue the queue, or {@code null} for every queue
     * @param uniqueKey the unique key
     * @param limit the most tasks returned, 1 or more
     * @return the tasks, newest first
     */
    List<Task> findByUniqueKey(String queue, String uniqueKey, int limit);

    /**
     * Kills a waiting task ({@code PENDING} or {@code FAILED}) so that it never runs.
     * @param id the task
     * @return {@code true} if it waited and is now killed
     */
    boolean cancel(TaskId id);

    /**
     * Makes a {@code FAILED} or {@code KILLED} task run now: a failed task keeps its attempts, a killed
     * one starts again with none. A killed task whose unique key another unfinished task holds stays.
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
     * Moves the next run of a waiting task ({@code PENDING} or {@code FAILED}) to another time.
     * @param id the task
     * @param runAt when it may run next
     * @return {@code true} if it waited and now runs at the new time
     */
    boolean reschedule(TaskId id, Instant runAt);

    /**
     * Cancels every waiting task of a queue in a status, in batches.
     * @param queue the queue
     * @param status {@code PENDING} or {@code FAILED}
     * @return how many tasks were cancelled
     */
    long cancelAll(String queue, TaskStatus status);

    /**
     * Retries every task of a queue in a status, in batches.
     * @param queue the queue
     * @param status {@code FAILED} or {@code KILLED}
     * @return how many tasks are now pending
     */
    long retryAll(String queue, TaskStatus status);

    /**
     * Deletes every finished task of a queue in a status, in batches.
     * @param queue the queue
     * @param status {@code DONE} or {@code KILLED}
     * @return how many tasks were deleted
     */
    long deleteAll(String queue, TaskStatus status);

    /**
     * Pauses a queue for every worker of every node that shares this store: claims skip it until it
     * is resumed; tasks in flight finish. Workers notice within one poll interval.
     * @param queue the queue
     * @param by who pauses it (a user, a node), kept for operators, or {@code null}
     * @return {@code true} if it was running and is now paused, {@code false} if it was paused already
     */
    boolean pause(String queue, String by);

    /**
     * Resumes a paused queue and wakes its workers.
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

    /**
     * Checks the status a bulk correction was asked for.
     * @param status the status given
     * @param operation the correction, for the message
     * @param allowed the statuses it accepts
     * @throws IllegalArgumentException naming the allowed statuses when it is not one of them
     */
    static void requireStatus(TaskStatus status, String operation, TaskStatus... allowed) {
        for (TaskStatus candidate : allowed) {
            if (candidate == status) {
                return;
            }
        }
        throw new IllegalArgumentException(operation + " applies to tasks in status " + java.util.Arrays.toString(allowed)
                + ", not " + status);
    }
}
