package dev.apalis.backend;

import java.util.Objects;
import java.util.OptionalInt;

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
 * @param priorityBelow when present, only tasks whose priority is strictly lower than this number (so
 * that they run before it) are claimed, still in claim order; a worker that holds tasks claimed ahead
 * asks this way for the pushed tasks that would start before all of them. Empty claims any priority.
 */
public record ClaimRequest(String queue, String workerId, int max, int startingNow, int maxAttempts,
        OptionalInt priorityBelow) {

    public ClaimRequest {
        Objects.requireNonNull(queue, "queue");
        Objects.requireNonNull(workerId, "workerId");
        Objects.requireNonNull(priorityBelow, "priorityBelow");
        if (startingNow < 0 || maxAttempts < 0) {
            throw new IllegalArgumentException("startingNow and maxAttempts must be 0 or more, were " + startingNow
                    + " and " + maxAttempts);
        }
    }

    /**
     * A claim of tasks of any priority.
     * @param queue the queue
     * @param workerId the claiming worker
     * @param max the most tasks to claim
     * @param startingNow how many of them start at once and are charged by the claim
     * @param maxAttempts the worker's maximum of attempts, {@code 0} for none
     */
    public ClaimRequest(String queue, String workerId, int max, int startingNow, int maxAttempts) {
        this(queue, workerId, max, startingNow, maxAttempts, OptionalInt.empty());
    }
}
