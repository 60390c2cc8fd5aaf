package dev.apalis.backend;

import java.util.List;
import java.util.Objects;

import dev.apalis.task.Task;
import dev.apalis.task.TaskStatus;

/**
 * What an operator sees of one task: the task with its public status, the maximum attempts that apply
 * to it, the error of each failed attempt (a bounded history, oldest first) and the error that ended
 * it, if one did. A task that succeeded on a retry has its earlier errors in {@link #attemptErrors()}
 * and no {@link #error()}: it is not shown as failing.
 *
 * @param task the task; {@link Task#status()} is the public status
 * @param maxAttempts the attempts it may take, or {@code 0} when the worker's retry policy decides and
 * the task has not run yet
 * @param attemptErrors the errors of its failed attempts, oldest first, bounded by the backend
 * @param error why it is failing or was killed (for {@link TaskStatus#FAILED} and
 * {@link TaskStatus#KILLED}), else {@code null}
 */
public record TaskDetails(Task task, int maxAttempts, List<AttemptError> attemptErrors, String error) {

    public TaskDetails {
        Objects.requireNonNull(task, "task");
        attemptErrors = List.copyOf(attemptErrors);
    }

    /**
     * The details of a task read from a backend that keeps only its last error.
     * @param task the task
     * @return its details: the last error is the outcome of a failing or killed task, nothing otherwise
     */
    public static TaskDetails of(Task task) {
        return new TaskDetails(task, task.maxAttempts(), List.of(), errorOf(task.status(), task.lastError()));
    }

    /**
     * The error that stands for a task's outcome: none for a task that waits its first run, runs or
     * succeeded, even if an earlier attempt failed.
     * @param status the public status
     * @param lastError the error of the last failed attempt, or {@code null}
     * @return the error, or {@code null}
     */
    public static String errorOf(TaskStatus status, String lastError) {
        return (status == TaskStatus.FAILED || status == TaskStatus.KILLED) ? lastError : null;
    }
}
