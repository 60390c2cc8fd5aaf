package dev.apalis.worker;

import dev.apalis.task.TaskContext;

/**
 * The worker's service function: runs one task (the Spring layer adapts each {@code @TaskHandler}
 * method to one). Returning normally completes the attempt; throwing fails it (retried with backoff
 * while attempts are left). Throw {@link dev.apalis.task.AbortTaskException} to give up at once, or
 * {@link dev.apalis.task.RetryTaskException} to retry after a delay of your choice.
 *
 * @param <T> the payload type
 */
@FunctionalInterface
public interface TaskFunction<T> {

    void handle(T payload, TaskContext context) throws Exception;
}
