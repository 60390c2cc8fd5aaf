package dev.apalis.task;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import org.jspecify.annotations.Nullable;

/**
 * How a task is pushed: when it may run, its priority, how many attempts it may take, an optional
 * unique key and metadata. Immutable; every {@code with}-style method returns a new instance.
 * <pre>{@code
 * TaskOptions.defaults().delay(Duration.ofMinutes(5)).priority(-1).uniqueKey("welcome:" + userId)
 * }</pre>
 *
 * @param runAt when the task may run first; absent for now
 * @param delay how long after the push it may run first, if set; not with {@code runAt}
 * @param priority lower runs first; default {@code 0}
 * @param maxAttempts attempts it may take, or {@code 0} to follow the worker's retry policy
 * @param uniqueKey while a task with this key in the same queue is not finished, pushing another
 * returns the existing task's id instead; absent for none
 * @param metadata string metadata stored with the task
 */
public record TaskOptions(@Nullable Instant runAt, @Nullable Duration delay, int priority, int maxAttempts,
        @Nullable String uniqueKey, Map<String, String> metadata) {

    private static final TaskOptions DEFAULTS = new TaskOptions(null, null, 0, 0, null, Map.of());

    public TaskOptions {
        if (runAt != null && delay != null) {
            throw new IllegalArgumentException("A task runs at a time or after a delay, not both (runAt " + runAt
                    + ", delay " + delay + "): set one of them");
        }
        if (delay != null && delay.isNegative()) {
            throw new IllegalArgumentException("delay must not be negative, was " + delay);
        }
        if (maxAttempts < 0) {
            throw new IllegalArgumentException("maxAttempts must be 1 or more (or 0 for the worker's default), was "
                    + maxAttempts);
        }
        if (uniqueKey != null && uniqueKey.isBlank()) {
            throw new IllegalArgumentException("uniqueKey must not be blank: pass null for no unique key");
        }
        metadata = (metadata != null) ? Map.copyOf(metadata) : Map.of();
    }

    /**
     * The options for a task that runs now, at priority 0, with the worker's retry policy.
     * @return the default options
     */
    public static TaskOptions defaults() {
        return DEFAULTS;
    }

    /**
     * Sets when the task may run first.
     * @param instant the run time
     * @return new options
     * @throws IllegalArgumentException if a delay is set: a task runs at a time or after a delay
     */
    public TaskOptions runAt(Instant instant) {
        return new TaskOptions(instant, delay, priority, maxAttempts, uniqueKey, metadata);
    }

    /**
     * Sets how long after the push the task may run first.
     * @param duration the delay
     * @return new options
     * @throws IllegalArgumentException if a run time is set: a task runs at a time or after a delay
     */
    public TaskOptions delay(Duration duration) {
        return new TaskOptions(runAt, duration, priority, maxAttempts, uniqueKey, metadata);
    }

    public TaskOptions priority(int value) {
        return new TaskOptions(runAt, delay, value, maxAttempts, uniqueKey, metadata);
    }

    public TaskOptions maxAttempts(int value) {
        if (value < 1) {
            throw new IllegalArgumentException("maxAttempts must be 1 or more, was " + value);
        }
        return new TaskOptions(runAt, delay, priority, value, uniqueKey, metadata);
    }

    public TaskOptions uniqueKey(@Nullable String key) {
        return new TaskOptions(runAt, delay, priority, maxAttempts, key, metadata);
    }

    public TaskOptions metadata(String key, String value) {
        Map<String, String> copy = new LinkedHashMap<>(metadata);
        copy.put(key, value);
        return new TaskOptions(runAt, delay, priority, maxAttempts, uniqueKey, copy);
    }

    /**
     * Resolves when a task pushed at {@code now} with these options may first run.
     * @param now the push time
     * @return the first run time
     */
    public Instant firstRunAt(Instant now) {
        if (runAt != null) {
            return runAt;
        }
        return (delay != null) ? now.plus(delay) : now;
    }
}
