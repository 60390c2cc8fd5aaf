package dev.apalis.spring;

import java.util.List;

import dev.apalis.task.TaskId;
import dev.apalis.task.TaskOptions;

/**
 * Wraps every push of the {@link BackendTaskClient}: one call per {@code push}, and one per
 * {@code pushAll} whatever the number of tasks. It may change the options (add metadata such as
 * trace context or a tenant), observe or log the push; it must call {@code push.proceed(options)}
 * once and let its outcome (ids or exception) through. In Spring Boot every bean of this type is
 * applied, in {@code @Order}, the first one outermost.
 */
@FunctionalInterface
public interface PushInterceptor {

    /**
     * Wraps one push.
     * @param queue the queue the tasks go to
     * @param count how many tasks are pushed (1 for {@code push})
     * @param options the options every task of this push is stored with
     * @param push the rest of the chain, then the backend
     * @return the ids the push returned
     */
    List<TaskId> intercept(String queue, int count, TaskOptions options, Push push);

    /** The wrapped push. */
    @FunctionalInterface
    interface Push {

        /**
         * Pushes the tasks with these options.
         * @param options the options, possibly changed by the interceptor
         * @return the tasks' ids, in the order of the payloads
         */
        List<TaskId> proceed(TaskOptions options);
    }
}
