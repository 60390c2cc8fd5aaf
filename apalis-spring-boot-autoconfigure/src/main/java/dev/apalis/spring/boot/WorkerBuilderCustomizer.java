package dev.apalis.spring.boot;

import dev.apalis.spring.WorkerDefinition;
import dev.apalis.worker.WorkerBuilder;

/**
 * Customizes the {@link WorkerBuilder} of every worker before it is built, after the settings of
 * its {@link WorkerDefinition} were applied: add interceptors, listeners or shared data, or change
 * a setting in code. Beans of this type are applied in {@link org.springframework.core.Ordered order}.
 * <p>
 * {@link dev.apalis.worker.TaskInterceptor} and {@link dev.apalis.worker.WorkerEventListener} beans
 * need no customizer: they are added to every worker.
 */
@FunctionalInterface
public interface WorkerBuilderCustomizer {

    /**
     * Customizes a worker's builder.
     * @param definition the worker's definition
     * @param builder its builder
     */
    void customize(WorkerDefinition definition, WorkerBuilder builder);
}
