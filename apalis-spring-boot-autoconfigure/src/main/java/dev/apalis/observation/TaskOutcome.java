package dev.apalis.observation;

import dev.apalis.task.AbortTaskException;
import dev.apalis.task.PayloadException;
import dev.apalis.task.TaskContext;

/**
 * How one attempt ended, as the {@code outcome} key of the {@code apalis.task} observation; decided
 * the way the worker decides it.
 */
public enum TaskOutcome {

    /** The handler returned: the task is done. */
    SUCCESS("success"),

    /** The handler threw and attempts are left: the task will be retried. */
    FAILURE("failure"),

    /**
     * The handler threw and the task was given up: out of attempts, {@link AbortTaskException}, or a
     * payload that could not be read ({@link PayloadException}).
     */
    KILLED("killed");

    private final String value;

    TaskOutcome(String value) {
        this.value = value;
    }

    /**
     * The value of the {@code outcome} key.
     * @return the value, lower case
     */
    public String value() {
        return this.value;
    }

    /**
     * The outcome of an attempt.
     * @param context the attempt's context
     * @param failure what the handler threw, or {@code null} if it returned
     * @return the outcome
     */
    public static TaskOutcome of(TaskContext context, Throwable failure) {
        if (failure == null) {
            return SUCCESS;
        }
        if (failure instanceof AbortTaskException || failure instanceof PayloadException) {
            return KILLED;
        }
        return (context.attempt() >= context.maxAttempts()) ? KILLED : FAILURE;
    }
}
