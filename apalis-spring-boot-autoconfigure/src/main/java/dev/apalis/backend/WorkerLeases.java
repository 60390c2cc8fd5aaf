package dev.apalis.backend;

import java.time.Duration;
import java.util.Collection;
import java.util.Optional;

import dev.apalis.task.TaskId;

/**
 * The worker leases part of the {@link Backend} SPI: a worker registers, heart-beats while it runs and
 * deregisters when it stops; its claims hold only as long as its heart-beats do.
 * <p>
 * Guarantees an implementation that rescues (one whose {@link #orphanThreshold()} is present) must give:
 * <ul>
 * <li><b>Expiry.</b> A task {@code RUNNING} under a worker whose last heart-beat (or registration) is
 * older than the orphan threshold is an orphan. A later maintenance round puts it back in the queue,
 * due at once (see {@link BackendMaintenance#rescueOrphans()} for when): a task whose start was recorded
 * keeps its charged attempt and gets an error in its attempt history, and is killed instead when that
 * attempt was its last; a task that never started goes back uncharged, and its next claim charges it.</li>
 * <li><b>Live workers keep their claims.</b> A task of a worker that heart-beats within the threshold is
 * never rescued, except one its heart-beats did not name for half a threshold after the claim (a claim
 * whose reply was lost, see {@link #heartbeat(String, Collection)}): that one goes back uncharged.</li>
 * <li><b>Guarded rescue.</b> A rescue touches only tasks still {@code RUNNING} under the stale owner, so
 * a task that finished meanwhile is never touched; once rescued, the old owner's outcomes are ignored
 * (see {@link TaskStore}).</li>
 * </ul>
 * A backend without a threshold never rescues, and its workers never stop starting what they claimed
 * ahead. Implementations are thread-safe.
 */
public interface WorkerLeases {

    /**
     * Makes a worker known, so that its claims are guarded by its heart-beat. Registering counts as a
     * heart-beat.
     * @param worker the worker
     */
    void register(WorkerRegistration worker);

    /**
     * Tells the backend the worker is alive, without saying what it holds (so none of its claims is
     * taken for a lost one). Tasks held by workers whose last heart-beat is older than the backend's
     * orphan threshold are put back in the queue.
     * @param workerId the worker's id
     */
    void heartbeat(String workerId);

    /**
     * Tells the backend the worker is alive and which claimed tasks it knows it holds. A backend that
     * records them puts back, after its orphan threshold, tasks claimed under a live worker that the
     * worker does not name (a claim whose reply was lost). The default ignores the list.
     * @param workerId the worker's id
     * @param held the tasks the worker has claimed and not yet completed or released
     */
    default void heartbeat(String workerId, Collection<TaskId> held) {
        heartbeat(workerId);
    }

    /**
     * How long a worker may go without a heart-beat before its tasks are put back in the queue, when
     * the backend has such a threshold. A worker that could not heart-beat for that long stops starting
     * the tasks it claimed ahead, as they may be rescued and run elsewhere.
     * @return the orphan threshold, or empty when the backend never rescues
     */
    default Optional<Duration> orphanThreshold() {
        return Optional.empty();
    }

    /**
     * Forgets a worker after it stopped; it must have released or completed its tasks (any it still
     * holds become orphans).
     * @param workerId the worker's id
     */
    void deregister(String workerId);
}
