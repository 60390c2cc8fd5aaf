package dev.apalis.backend;

import java.util.Objects;

/**
 * A running worker as a backend knows it.
 *
 * @param workerId unique for this run of the worker (name, host and a random part)
 * @param workerName the worker's configured name
 * @param queue the queue it consumes
 */
public record WorkerRegistration(String workerId, String workerName, String queue) {

    public WorkerRegistration {
        Objects.requireNonNull(workerId, "workerId");
        Objects.requireNonNull(workerName, "workerName");
        Objects.requireNonNull(queue, "queue");
    }
}
