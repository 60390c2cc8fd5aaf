package dev.apalis.task;

import java.util.Objects;

/**
 * A task to push: its queue, its payload already encoded as JSON, and its options.
 *
 * @param queue the queue to push to
 * @param payload the payload as JSON text
 * @param options how to push it
 */
public record NewTask(String queue, String payload, TaskOptions options) {

    public NewTask {
        Objects.requireNonNull(queue, "queue");
        if (queue.isBlank()) {
            throw new IllegalArgumentException("queue must not be blank");
        }
        Objects.requireNonNull(payload, "payload");
        options = (options != null) ? options : TaskOptions.defaults();
    }
}
