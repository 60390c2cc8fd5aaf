package dev.apalis.spring.boot.test;

import java.time.Instant;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

import dev.apalis.task.TaskId;

/**
 * How one attempt that {@link TaskTester} ran ended, as the worker would have recorded it.
 *
 * @param taskId the task
 * @param queue its queue
 * @param worker the worker whose handler ran it
 * @param attempt which attempt it was, starting at 1
 * @param outcome how it ended
 * @param failure what the handler threw; absent when it succeeded
 * @param retryAt when the next attempt may run; present only when the outcome is {@link Outcome#RETRIED}
 */
public record TaskRun(TaskId taskId, String queue, String worker, int attempt, Outcome outcome,
        @Nullable Throwable failure, @Nullable Instant retryAt) {

    public TaskRun {
        Objects.requireNonNull(taskId, "taskId");
        Objects.requireNonNull(queue, "queue");
        Objects.requireNonNull(worker, "worker");
        Objects.requireNonNull(outcome, "outcome");
    }

    /** Whether the attempt succeeded: the task is done. */
    public boolean succeeded() {
        return this.outcome == Outcome.SUCCEEDED;
    }

    /** Whether the attempt failed and the task waits for another one. */
    public boolean retried() {
        return this.outcome == Outcome.RETRIED;
    }

    /** Whether the task was given up: out of attempts, aborted, or its payload could not be read. */
    public boolean killed() {
        return this.outcome == Outcome.KILLED;
    }

    /** How an attempt ended. */
    public enum Outcome {

        /** The handler returned. */
        SUCCEEDED,

        /** The handler threw and attempts are left: the task runs again at {@link TaskRun#retryAt()}. */
        RETRIED,

        /** The task was given up. */
        KILLED
    }
}
