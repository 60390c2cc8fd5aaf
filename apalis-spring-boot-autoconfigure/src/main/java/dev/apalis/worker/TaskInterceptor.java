package dev.apalis.worker;

import dev.apalis.task.TaskContext;

/**
 * Wraps every attempt of a worker's tasks, around payload decoding and the handler; used for
 * observations, tracing, MDC and the like. It must call {@code attempt.proceed()} once and let its
 * outcome (return or exception) through.
 */
@FunctionalInterface
public interface TaskInterceptor {

    void intercept(TaskContext context, Attempt attempt) throws Exception;

    /** The wrapped attempt. */
    @FunctionalInterface
    interface Attempt {

        void proceed() throws Exception;
    }
}
