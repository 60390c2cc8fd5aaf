package dev.apalis.worker;

import java.time.Duration;

/**
 * A handle on a started worker: pause, resume, stop and wait for it. Thread-safe; every method may
 * be called from a handler of the worker itself.
 */
public interface WorkerContext {

    /** The worker's name. */
    String name();

    /** The queue it consumes. */
    String queue();

    /**
     * Stops claiming and starting tasks; tasks in flight go on, and claimed tasks that did not start
     * (prefetched) are released to the queue. Does nothing if already paused or stopping.
     */
    void pause();

    /**
     * Claims tasks again after {@link #pause()}.
     */
    void resume();

    /**
     * Starts a graceful stop and returns at once: no new claims, tasks in flight get the worker's
     * shutdown timeout to finish, claimed tasks that did not start are released, then
     * {@link WorkerEvent.Stop} is emitted. Calling it again does nothing.
     */
    void stop();

    /** Whether the worker runs: started and not yet stopped. */
    boolean isRunning();

    /** Whether the worker is paused. */
    boolean isPaused();

    /** How many tasks run now. */
    int inFlight();

    /**
     * Waits for the worker to stop.
     * @param timeout how long to wait at most
     * @return {@code true} if it stopped, {@code false} if the time ran out first
     * @throws InterruptedException if the waiting thread is interrupted
     */
    boolean awaitTermination(Duration timeout) throws InterruptedException;
}
