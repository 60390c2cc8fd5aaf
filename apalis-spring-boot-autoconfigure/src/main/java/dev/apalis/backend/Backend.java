package dev.apalis.backend;

import java.util.Set;
import java.util.UUID;

import dev.apalis.task.TaskId;

/**
 * Where tasks are stored, claimed and completed: the SPI a backend implements, composed of parts that
 * each state the guarantees they need.
 * <ul>
 * <li>{@link TaskStore}: push, claim, start, complete, release (atomicity, claim order, exclusive
 * claims, guarded outcomes, what a lost reply does);</li>
 * <li>{@link WorkerLeases}: register, heart-beat, deregister, and the expiry of a silent worker's
 * claims;</li>
 * <li>{@link WakeUps}: subscriptions that wake workers after a push;</li>
 * <li>{@link TaskInspector}: operators' look-ups and simple corrections.</li>
 * </ul>
 * Optional parts are separate types: {@link TaskManagement} (details, listings, bulk corrections, a pause
 * across the cluster), {@link BackendMaintenance} (rescue and retention on demand) and
 * {@code dev.apalis.schedule.SchedulingBackend} (schedules). What only some backends do is declared by
 * {@link #capabilities()}. Decorators extend {@link ForwardingBackend}. The conformance suite,
 * {@code dev.apalis.backend.conformance.BackendConformance} in the test-jar, checks all of it.
 * <p>
 * Delivery is at least once: a task is never lost, and runs twice only if its worker died or lost its
 * lease mid-run. Implementations are thread-safe.
 */
public interface Backend extends TaskStore, WorkerLeases, WakeUps, TaskInspector, AutoCloseable {

    /**
     * What this backend does beyond the common contract. The default is none of it.
     * @return the capabilities it declares; the conformance suite checks each
     */
    default Set<BackendCapability> capabilities() {
        return Set.of();
    }

    /**
     * Checks that the backend answers, for health checks: one cheap round trip at most, never a scan.
     * Returns normally when it answers; throws when it does not (the database cannot be reached, or
     * the backend's tables are missing). The default looks up a task id that never exists, which any
     * backend answers from its primary key.
     * @throws RuntimeException (a {@code DataAccessException} for a JDBC backend) when the backend does
     * not answer
     */
    default void ping() {
        find(new TaskId(new UUID(0, 0)));
    }

    /**
     * Releases what the backend holds (listener connections, threads). Stored tasks stay. Calling it
     * twice is harmless.
     */
    @Override
    void close();
}
