package dev.apalis.backend;

/**
 * The wake-up part of the {@link Backend} SPI: workers subscribe to their queue and are called soon
 * after a task becomes ready there, so that they need not poll often. Wake-ups are hints: one may be
 * lost or come twice, a listener may be called for a task another worker already took, and workers
 * still poll at their poll interval. A backend that delivers them declares
 * {@link BackendCapability#WAKE_UPS} (and then delivers those of pushes made on any node sharing its
 * store, if it declares {@link BackendCapability#SHARED_STORE}); one that does not returns a
 * subscription that never calls.
 */
public interface WakeUps {

    /**
     * Calls the listener soon after a task is pushed to the queue, from any process where the backend can
     * tell (and, where the backend can, after a task of the queue is released, retried or resumed). The
     * listener must return quickly; it may be called on the pushing thread or on one of the backend's.
     * @param queue the queue
     * @param listener what to call
     * @return a handle that stops the calls when closed
     */
    Subscription subscribe(String queue, Runnable listener);

    /**
     * A subscription to wake-ups; closing it twice is harmless.
     */
    @FunctionalInterface
    interface Subscription extends AutoCloseable {

        /** Stops the calls. */
        @Override
        void close();
    }
}
