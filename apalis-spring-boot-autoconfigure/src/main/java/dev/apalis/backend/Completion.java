package dev.apalis.backend;

import java.time.Duration;
import java.util.Objects;

import dev.apalis.task.TaskId;

/**
 * How one attempt ended, as reported to {@link TaskStore#complete}. A completion of a task whose start
 * was not recorded yet (claimed ahead, see {@link TaskStore#started}) charges its attempt first, except
 * {@link Interrupted}, which charges none.
 */
public sealed interface Completion {

    TaskId taskId();

    static Completion done(TaskId id) {
        return new Done(id);
    }

    /**
     * The attempt failed and another follows after {@code delay}, counted from the backend's clock.
     */
    static Completion retry(TaskId id, Duration delay, String error) {
        return new Retry(id, delay, error);
    }

    static Completion kill(TaskId id, String error) {
        return new Kill(id, error);
    }

    /**
     * A graceful stop interrupted the attempt: the task goes back to the queue, due at once, and the
     * attempt is refunded.
     */
    static Completion interrupted(TaskId id, String reason) {
        return new Interrupted(id, reason);
    }

    /** The attempt succeeded: the task becomes {@code DONE}. */
    record Done(TaskId taskId) implements Completion {

        public Done {
            Objects.requireNonNull(taskId, "taskId");
        }
    }

    /**
     * The attempt failed: the task becomes {@code FAILED} and waits {@code delay} from the backend's
     * "now"; the error is kept as the last error and in the task's attempt history.
     */
    record Retry(TaskId taskId, Duration delay, String error) implements Completion {

        public Retry {
            Objects.requireNonNull(taskId, "taskId");
            Objects.requireNonNull(delay, "delay");
            if (delay.isNegative()) {
                delay = Duration.ZERO;
            }
        }
    }

    /** The task is given up: it becomes {@code KILLED}, its error kept (also in its attempt history). */
    record Kill(TaskId taskId, String error) implements Completion {

        public Kill {
            Objects.requireNonNull(taskId, "taskId");
        }
    }

    /**
     * The worker stopped gracefully while the attempt ran and interrupted it: the task becomes
     * {@code PENDING}, due at once, without losing an attempt; the reason is kept as its last error.
     */
    record Interrupted(TaskId taskId, String reason) implements Completion {

        public Interrupted {
            Objects.requireNonNull(taskId, "taskId");
        }
    }
}
