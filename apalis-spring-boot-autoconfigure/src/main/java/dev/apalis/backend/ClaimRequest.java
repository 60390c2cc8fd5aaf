package dev.apalis.backend;

import java.util.Objects;

/**
 * What a worker asks of {@link TaskStore#claim(ClaimRequest)}.
 *
 * @param queue the queue
 * @param workerId the claiming worker
 * @param max the most tasks to claim: free slots plus those claimed ahead
 * @param startingNow how many of them, the first in claim order, start at once and are charged an
 * attempt by the claim (the worker's free slots); the rest wait and are charged when they start
 * @param maxAttempts the worker's maximum of attempts, written into tasks pushed without one so that
 * every reader (and the orphan rescuer) sees the effective maximum; {@code 0} writes nothing
 */
public record ClaimRequest(String queue, String workerId, int max, int startingNow, int maxAttempts) {

    public ClaimRequest {
        Objects.requireNonNull(queue, "queue");
        Objects.requireNonNull(workerId, "workerId");
        if (startingNow < 0 || maxAttempts < 0) {
            throw new IllegalArgumentException("startingNow and maxAttempts must be 0 or more, were " + startingNow
                    + " and " + maxAttempts);
        }
    }
}
