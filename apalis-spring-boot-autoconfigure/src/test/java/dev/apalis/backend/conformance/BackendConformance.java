package dev.apalis.backend.conformance;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

import dev.apalis.backend.Backend;
import dev.apalis.backend.BackendCapability;
import dev.apalis.task.NewTask;

import static org.awaitility.Awaitility.await;

/**
 * The conformance suite of a {@link Backend}: extend it in a test of your backend, implement
 * {@link #createBackend()}, and every behaviour the engine relies on is checked, one contract per part
 * of the SPI ({@link TaskStoreContract}, {@link WorkerLeasesContract}, {@link WakeUpsContract},
 * {@link MaintenanceContract}, {@link TaskManagementContract}, {@link SchedulingContract}). Tests of a
 * capability the backend does not declare, or of an optional part it does not implement, are skipped.
 * <p>
 * Build the backend with a short orphan threshold (a second or two) so that the rescue tests run fast,
 * and override {@link #elapse(Duration)} when it runs on a clock you control. A backend that declares
 * {@link BackendCapability#SHARED_STORE} overrides {@link #createPeer()}. One backend (and one peer)
 * serves all tests of the class; each test uses its own queues. Needs JUnit 5, AssertJ and Awaitility
 * on the test class path (all in {@code spring-boot-starter-test}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class BackendConformance implements TaskStoreContract, WorkerLeasesContract, WakeUpsContract,
        MaintenanceContract, TaskManagementContract, SchedulingContract {

    private Backend backend;

    private Backend peer;

    /**
     * Creates the backend under test, once per test class, on an empty store.
     * @return the backend
     */
    protected abstract Backend createBackend();

    /**
     * Opens another node on the backend's store. Only called when the backend declares
     * {@link BackendCapability#SHARED_STORE}; the default refuses.
     * @return another backend on the same store
     */
    protected Backend createPeer() {
        throw new UnsupportedOperationException(getClass().getName() + " must override createPeer(): "
                + backend + " declares SHARED_STORE");
    }

    @BeforeAll
    final void openBackends() {
        backend = createBackend();
        peer = backend.capabilities().contains(BackendCapability.SHARED_STORE) ? createPeer() : backend;
    }

    @AfterAll
    final void closeBackends() {
        if (peer != null && peer != backend) {
            peer.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    @Override
    public final Backend openNode() {
        return createPeer();
    }

    @Override
    public final Backend backend() {
        return backend;
    }

    @Override
    public final Backend peer() {
        return peer;
    }

    /**
     * {@inheritDoc} The default waits until {@link #now()} has moved on by the duration.
     */
    @Override
    public void elapse(Duration duration) {
        Instant until = now().plus(duration);
        await().atMost(duration.plusSeconds(30))
            .pollDelay(Duration.ZERO)
            .pollInterval(Duration.ofMillis(20))
            .until(() -> !now().isBefore(until));
    }

    /** {@inheritDoc} The default is the system clock. */
    @Override
    public Instant now() {
        return Instant.now();
    }

    /** {@inheritDoc} The default is {@code null}: the retention tests are skipped. */
    @Override
    public Duration retention() {
        return null;
    }

    /** {@inheritDoc} The default is {@code null}: the test of a refused batch is skipped. */
    @Override
    public NewTask refusedTask(String queue) {
        return null;
    }
}
