package dev.apalis.observation;

import java.util.Objects;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;

import dev.apalis.task.TaskContext;
import dev.apalis.worker.TaskInterceptor;

/**
 * Makes every attempt an {@code apalis.task} observation: started before payload decoding and the
 * handler, in scope on the handler's thread while they run (so logs and nested observations, a JDBC
 * query or an HTTP call, belong to it), stopped with its {@link TaskOutcome} and error when they end.
 * The observation continues the trace whose headers the task's metadata carries. Register it as the
 * outermost interceptor so that other interceptors run inside it.
 * <p>
 * The outcome is the handler's: an attempt cut short by the worker's timeout is recorded as whatever
 * the interrupted handler then returned or threw.
 */
public final class ObservationTaskInterceptor implements TaskInterceptor {

    private final ObservationRegistry registry;

    private final ApalisTaskObservationConvention convention;

    /**
     * Creates an interceptor with the default convention.
     * @param registry the registry the observations are made in
     */
    public ObservationTaskInterceptor(ObservationRegistry registry) {
        this(registry, null);
    }

    /**
     * Creates an interceptor.
     * @param registry the registry the observations are made in
     * @param convention names and keys to use instead of {@link DefaultApalisTaskObservationConvention},
     * or {@code null} for the default
     */
    public ObservationTaskInterceptor(ObservationRegistry registry, ApalisTaskObservationConvention convention) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.convention = convention;
    }

    @Override
    public void intercept(TaskContext context, Attempt attempt) throws Exception {
        if (this.registry.isNoop()) {
            attempt.proceed();
            return;
        }
        ApalisTaskObservationContext observationContext = new ApalisTaskObservationContext(context);
        Observation observation = ApalisObservationDocumentation.TASK_EXECUTION
            .observation(this.convention, DefaultApalisTaskObservationConvention.INSTANCE, () -> observationContext,
                    this.registry)
            .start();
        Throwable failure = null;
        try (Observation.Scope scope = observation.openScope()) {
            attempt.proceed();
        }
        catch (Throwable ex) {
            failure = ex;
            observation.error(ex);
            throw ex;
        }
        finally {
            observationContext.setOutcome(TaskOutcome.of(context, failure));
            observation.stop();
        }
    }

    @Override
    public String toString() {
        return "ObservationTaskInterceptor[" + this.registry + "]";
    }
}
