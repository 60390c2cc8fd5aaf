package dev.apalis.backend;

import java.time.Instant;
import java.util.Objects;

import dev.apalis.task.TaskId;

/**
 * How one attempt ended, as reported to {@link Backend#complete}.
 */
public sealed interface Completion {

    TaskId taskId();

    static Completion done(TaskId id) {
        return new Done(id);
    }

    static Completion retry(TaskId id, Instant runAt, String error) {
        return new Retry(id, runAt, error);
    }

    static Completion kill(TaskId id, String error) {
        return new Kill(id, error);
    }

    /** The attempt succeeded: the task becomes {@code DONE}. */
    record Done(TaskId taskId) implements Completion {

        public Done {
            Objects.requireNonNull(taskId, "taskId");
        }
    }

    /** The attempt failed: the task becomes {@code FAILED} and waits until {@code runAt}. */
    record Retry(TaskId taskId, Instant runAt, String error) implements Completion {

        public Retry {
            Objects.requireNonNull(taskId, "taskId");
            Objects.requireNonNull(runAt, "runAt");
        }
    }

    /** The task is given up: it becomes {@code KILLED}, its error kept. */
    record Kill(TaskId taskId, String error) implements Completion {

        public Kill {
            Objects.requireNonNull(taskId, "taskId");
        }
    }
}
