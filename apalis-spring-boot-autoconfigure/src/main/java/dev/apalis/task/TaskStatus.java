package dev.apalis.task;

/**
 * Where a task stands in its life.
 */
public enum TaskStatus {

    /** Waiting to run, at or after its run-at time. */
    PENDING,

    /** Claimed by a worker, which runs it now. */
    RUNNING,

    /** Finished successfully. */
    DONE,

    /** Failed its last attempt and waits for the next one, at its run-at time. */
    FAILED,

    /** Given up: out of attempts, aborted by its handler, unreadable, or cancelled by an operator. */
    KILLED;

    /**
     * Whether a task in this status will never run again by itself.
     * @return {@code true} for {@link #DONE} and {@link #KILLED}
     */
    public boolean isFinished() {
        return this == DONE || this == KILLED;
    }
}
