package dev.apalis.task;

import java.time.Instant;
import java.util.Map;

/**
 * What a handler knows about the task it runs: its id, queue, attempt and metadata, the worker that
 * runs it (to pause or stop it), and the shared data the worker was built with.
 */
public interface TaskContext {

    TaskId taskId();

    String queue();

    /**
     * The attempt this run is, starting at 1.
     * @return the attempt number
     */
    int attempt();

    /**
     * The attempts this task may take in all.
     * @return the maximum number of attempts
     */
    int maxAttempts();

    /**
     * When the task became due for this attempt: its first run time (now, a delay or a set time), or
     * the retry time its last failed attempt chose. The time it waited for a worker is the time
     * between this and the attempt's start.
     * @return the task's run time as claimed
     */
    Instant runAt();

    Map<String, String> metadata();

    /**
     * The worker that runs this task; {@code worker().stop()} stops it gracefully once this task is done.
     * (Engines return their full handle, {@code dev.apalis.worker.WorkerContext}, which is a
     * {@link TaskWorker}.)
     * @return the worker
     */
    TaskWorker worker();

    /**
     * Shared data registered with {@code WorkerBuilder.data(..)}.
     * @param type the type of the data
     * @param <T> the type of the data
     * @return the registered instance
     * @throws IllegalStateException if none of that type was registered
     */
    <T> T data(Class<T> type);
}
