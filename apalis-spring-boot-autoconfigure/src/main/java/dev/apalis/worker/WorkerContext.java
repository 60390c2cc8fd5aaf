package dev.apalis.worker;

import java.time.Duration;

import dev.apalis.task.TaskWorker;

/**
 * A handle on a started worker: pause, resume, stop (see {@link TaskWorker}; {@link TaskWorker#stop()}
 * ends with {@link WorkerEvent.Stop}) and wait for it. Thread-safe; every method may be called from a
 * handler of the worker itself.
 */
public interface WorkerContext extends TaskWorker {

    /**
     * Waits for the worker to stop.
     * @param timeout how long to wait at most
     * @return {@code true} if it stopped, {@code false} if the time ran out first
     * @throws InterruptedException if the waiting thread is interrupted
     */
    boolean awaitTermination(Duration timeout) throws InterruptedException;
}
