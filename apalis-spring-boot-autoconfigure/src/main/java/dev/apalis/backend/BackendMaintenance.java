package dev.apalis.backend;

/**
 * The upkeep a backend owes its store, and a way to run it at once. Every backend performs it on its
 * own, without being asked: a backend with an {@link WorkerLeases#orphanThreshold() orphan threshold}
 * looks for orphans at least once per threshold (so a dead worker's tasks are back within about two
 * thresholds), and every backend deletes finished tasks past its retention from time to time, in
 * bounded batches. Where several nodes share a store, one node at a time may do each round.
 * <p>
 * Implementing this interface lets operators and tests run a round now instead of waiting for it; the
 * conformance suite does. A round never throws for a store that answers, and is guarded like the
 * scheduled one: it touches only tasks in the state it expects, checked where the change is made.
 */
public interface BackendMaintenance {

    /**
     * Puts back (or kills, at their last attempt) the tasks of workers whose heart-beat is older than
     * the orphan threshold, and the claims of live workers lost in flight, as {@link WorkerLeases}
     * describes.
     * @return how many tasks were put back or killed, or {@code -1} when the round did not run (another
     * node is at it, or the backend waits after an outage)
     */
    long rescueOrphans();

    /**
     * Deletes finished ({@code DONE} or {@code KILLED}) tasks past the backend's retention. Never deletes
     * an unfinished task.
     * @return how many tasks were deleted
     */
    long pruneFinished();
}
