package dev.apalis.backend;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import dev.apalis.task.Task;
import dev.apalis.task.TaskId;

/**
 * Look-ups and corrections for operators: counts, one task, retrying a killed task and cancelling a
 * pending one.
 */
public interface TaskInspector {

    /**
     * Finds a task by id.
     * @param id the id
     * @return the task, or empty if it does not exist (or was pruned)
     */
    Optional<Task> find(TaskId id);

    /**
     * Counts tasks by queue and status, one row per queue and status that has tasks. Exact, so it may
     * read every stored task: for counts taken again and again (gauges) use
     * {@link #estimateByQueueAndStatus()}.
     * @return the counts
     */
    List<QueueCount> countByQueueAndStatus();

    /**
     * Counts tasks by queue and status at a cost that does not grow with the number of stored tasks:
     * exact up to a cap the backend chooses, an estimate beyond it. Meant for gauges refreshed every
     * few seconds. The default is the exact {@link #countByQueueAndStatus()}, for backends whose count
     * is cheap anyway.
     * @return the counts, one row per queue and status that has tasks
     */
    default List<QueueCount> estimateByQueueAndStatus() {
        return countByQueueAndStatus();
    }

    /**
     * The run time of the queue's longest-waiting due task: the earliest run time among its tasks that
     * wait (pending or failed) and are due now. The time since then is how far behind the queue's
     * workers are. Meant to be cheap: a backend answers it from its claim order (an index probe or
     * two), not by reading every waiting task.
     * @param queue the queue
     * @return the earliest run time of a due waiting task, or empty when none is due (or the backend
     * cannot tell: the default)
     */
    default Optional<Instant> oldestDueAt(String queue) {
        return Optional.empty();
    }

    /**
     * Puts a killed task back in its queue to run now, with its attempt count reset. A backend that
     * implements {@link TaskManagement} also makes a failed task (one waiting for a retry) run now.
     * @param id the task
     * @return {@code true} if it is now pending, {@code false} otherwise
     */
    boolean retry(TaskId id);

    /**
     * Kills a task that waits (pending or failed) so that it never runs.
     * @param id the task
     * @return {@code true} if it was waiting and is now killed, {@code false} otherwise (running,
     * finished or unknown)
     */
    boolean cancel(TaskId id);
}
