package dev.apalis.backend;

import java.time.Instant;
import java.util.Objects;

/**
 * A worker as the shared store knows it, from any node.
 *
 * @param workerId unique for this run of the worker (its name, its process id and a random part)
 * @param name the worker's configured name
 * @param queue the queue it consumes
 * @param startedAt when it registered
 * @param lastHeartbeat when it was last heard of
 * @param held how many claimed tasks it held at its last heart-beat, or {@code -1} if it did not say
 */
public record RegisteredWorker(String workerId, String name, String queue, Instant startedAt, Instant lastHeartbeat,
        int held) {

    public RegisteredWorker {
        Objects.requireNonNull(workerId, "workerId");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(queue, "queue");
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(lastHeartbeat, "lastHeartbeat");
    }
}
