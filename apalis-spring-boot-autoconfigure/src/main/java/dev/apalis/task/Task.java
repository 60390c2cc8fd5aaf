package dev.apalis.task;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

import org.jspecify.annotations.Nullable;

/**
 * A snapshot of a stored task, as a backend holds it.
 *
 * @param id the task's id
 * @param queue the queue it waits in
 * @param payload the payload as JSON text
 * @param status where it stands
 * @param attempts how many times it was started (counted when it is claimed)
 * @param maxAttempts the attempts it may take, or {@code 0} to use the worker's retry policy
 * @param priority lower runs first
 * @param runAt when it may run next
 * @param lastError the error of its last failed attempt, if any
 * @param uniqueKey the unique key it was pushed with, if any
 * @param metadata string metadata carried with the task (for example trace context)
 * @param createdAt when it was pushed
 * @param finishedAt when it reached {@link TaskStatus#DONE} or {@link TaskStatus#KILLED}, if it did
 */
public record Task(TaskId id, String queue, String payload, TaskStatus status, int attempts, int maxAttempts,
        int priority, Instant runAt, @Nullable String lastError, @Nullable String uniqueKey,
        Map<String, String> metadata, Instant createdAt, @Nullable Instant finishedAt) {

    public Task {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(queue, "queue");
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(runAt, "runAt");
        metadata = (metadata != null) ? Map.copyOf(metadata) : Map.of();
    }
}
