package dev.apalis.worker;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

import org.jspecify.annotations.Nullable;

import dev.apalis.task.TaskId;

/**
 * What happens in a worker, in the order it happens. Every event names its worker and the time it
 * occurred; task events also name the task, its queue and the attempt.
 * <p>
 * A failed attempt emits {@link TaskFailed}; when no attempt follows, {@link TaskKilled} follows it.
 */
public sealed interface WorkerEvent {

    /** The worker's name. */
    String worker();

    /** When the event occurred. */
    Instant at();

    /** An event about one attempt of one task. */
    sealed interface TaskEvent extends WorkerEvent {

        TaskId taskId();

        String queue();

        /** The attempt, starting at 1. */
        int attempt();
    }

    /** The worker started and is about to claim tasks. */
    record Start(String worker, Instant at) implements WorkerEvent {
    }

    /** The worker stopped: nothing runs, its claimed tasks were released. Always its last event. */
    record Stop(String worker, Instant at) implements WorkerEvent {
    }

    /** The worker found its queue empty and has nothing in flight. Emitted once per idle period. */
    record Idle(String worker, Instant at) implements WorkerEvent {
    }

    /** The worker was paused: it claims nothing until resumed; tasks in flight go on. */
    record Paused(String worker, Instant at) implements WorkerEvent {
    }

    /** The worker was resumed. */
    record Resumed(String worker, Instant at) implements WorkerEvent {
    }

    /**
     * The worker hit an error outside a handler (the backend could not be reached, say). It goes on,
     * retrying with backoff.
     */
    record Error(String worker, Instant at, Throwable error) implements WorkerEvent {

        public Error {
            Objects.requireNonNull(error, "error");
        }
    }

    /** A handler is about to run an attempt. */
    record TaskStarted(String worker, Instant at, TaskId taskId, String queue, int attempt) implements TaskEvent {
    }

    /** An attempt succeeded. */
    record TaskSucceeded(String worker, Instant at, TaskId taskId, String queue, int attempt, Duration duration)
            implements TaskEvent {
    }

    /**
     * An attempt failed.
     * @param retryAt when the next attempt may run; absent when none will (see
     * {@link TaskKilled}, which follows)
     */
    record TaskFailed(String worker, Instant at, TaskId taskId, String queue, int attempt, Duration duration,
            Throwable error, @Nullable Instant retryAt) implements TaskEvent {

        /** Whether another attempt will run. */
        public boolean willRetry() {
            return retryAt != null;
        }

        public Optional<Instant> nextAttemptAt() {
            return Optional.ofNullable(retryAt);
        }
    }

    /**
     * A handler ran past its timeout and did not end when interrupted: it ignores interrupts. Its
     * slot stays taken and its task stays running under this worker until its thread ends (so no other
     * attempt of the task can start anywhere meanwhile); then the attempt is recorded as timed out.
     * Emitted once per attempt.
     * @param runningFor how long the attempt has run so far
     */
    record TaskStuck(String worker, Instant at, TaskId taskId, String queue, int attempt, Duration runningFor)
            implements TaskEvent {
    }

    /**
     * A task was given up: out of attempts, aborted, or its payload could not be read.
     * @param reason why, as stored in the task's last error
     */
    record TaskKilled(String worker, Instant at, TaskId taskId, String queue, int attempt, String reason)
            implements TaskEvent {
    }
}
