package dev.apalis.task;

/**
 * The worker that runs a task, as its handler sees it through {@link TaskContext#worker()}: its name and
 * queue, and the controls a handler may use (pause, resume, stop). Thread-safe; every method may be
 * called from a handler of the worker itself. The worker's own handle, {@code dev.apalis.worker.WorkerContext},
 * is one, with more.
 */
public interface TaskWorker {

    /**
     * The worker's name.
     * @return the name
     */
    String name();

    /**
     * The queue it consumes.
     * @return the queue
     */
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
     * shutdown timeout to finish, claimed tasks that did not start are released, then the worker's stop
     * event is emitted. Calling it again does nothing.
     */
    void stop();

    /**
     * Whether the worker runs: started and not yet stopped.
     * @return whether it runs
     */
    boolean isRunning();

    /**
     * Whether the worker is paused.
     * @return whether it is paused
     */
    boolean isPaused();

    /**
     * How many tasks run now.
     * @return the tasks in flight
     */
    int inFlight();
}
