package dev.apalis.worker;

import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.apalis.backend.Backend;
import dev.apalis.backend.ClaimRequest;
import dev.apalis.backend.ForwardingBackend;
import dev.apalis.task.Task;

/**
 * Holds a worker's next claim once armed: the claim signals {@link #inClaim} and waits for
 * {@link #proceed} before it reads the store, so that a test can pause or stop the worker while it claims.
 */
final class HeldClaimBackend extends ForwardingBackend {

    final CountDownLatch inClaim = new CountDownLatch(1);

    final CountDownLatch proceed = new CountDownLatch(1);

    private final AtomicBoolean armed = new AtomicBoolean();

    HeldClaimBackend(Backend delegate) {
        super(delegate);
    }

    void arm() {
        armed.set(true);
    }

    @Override
    public List<Task> claim(ClaimRequest request) {
        if (armed.compareAndSet(true, false)) {
            inClaim.countDown();
            try {
                if (!proceed.await(10, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the test never let the claim proceed");
                }
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(ex);
            }
        }
        return super.claim(request);
    }
}
