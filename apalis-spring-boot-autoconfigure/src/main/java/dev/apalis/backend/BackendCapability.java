package dev.apalis.backend;

/**
 * What a backend does beyond the common contract, declared by {@link Backend#capabilities()}, so that
 * applications, the engine and the conformance suite can tell instead of guessing. A backend declares a
 * capability only if it keeps every guarantee stated here; the conformance suite checks each declared
 * one and skips the tests of the others.
 * <p>
 * Optional parts of the SPI are types, not flags: a backend that keeps schedules implements
 * {@code dev.apalis.schedule.SchedulingBackend}, one that serves operators' corrections and a pause across
 * the cluster implements {@link TaskManagement}, one that runs its upkeep on demand implements
 * {@link BackendMaintenance}.
 */
public enum BackendCapability {

    /**
     * Tasks, their attempts and errors, and paused queues survive the backend's close and the end of the
     * process: another backend opened on the same store sees them.
     */
    DURABLE,

    /**
     * Several backends, in one process or many, can share one store as nodes of a cluster: claims stay
     * exclusive across them, a pause reaches every node, a heart-beat on one node keeps the worker's
     * claims alive for all, and (with {@link #WAKE_UPS}) a push on one node wakes subscribers on the
     * others.
     */
    SHARED_STORE,

    /**
     * {@link WakeUps#subscribe} delivers wake-ups soon after a push. Without it, subscriptions never call
     * and workers find tasks by polling.
     */
    WAKE_UPS,

    /**
     * {@link WorkerLeases#heartbeat(String, java.util.Collection)} records what the worker holds: a task
     * claimed under a live worker that its heart-beats do not name, for half an orphan threshold after
     * the claim and once the claim is a threshold old, goes back to the queue uncharged (its claim's reply
     * was lost). Without it, such a task stays claimed until its worker stops.
     */
    LOST_CLAIM_RECOVERY,

    /**
     * A push made inside the application's transaction on the backend's database commits or rolls back
     * with it, and wakes workers only once committed (the outbox pattern).
     */
    TRANSACTIONAL_PUSH
}
