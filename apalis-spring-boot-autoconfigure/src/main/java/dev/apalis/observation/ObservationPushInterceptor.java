package dev.apalis.observation;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;

import dev.apalis.spring.PushInterceptor;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskOptions;

/**
 * Makes every push an {@code apalis.push} observation (one per {@code pushAll}, whatever its size), a
 * child of the observation current on the pushing thread (an HTTP request, say). The propagation
 * headers a tracing handler writes for it when it starts are added to the metadata of every task the
 * push stores, replacing any entries with the same keys, so that each task's {@code apalis.task}
 * observation continues this trace. Without a tracer no header is written and the metadata stays as
 * given.
 */
public final class ObservationPushInterceptor implements PushInterceptor {

    private final ObservationRegistry registry;

    private final ApalisPushObservationConvention convention;

    /**
     * Creates an interceptor with the default convention.
     * @param registry the registry the observations are made in
     */
    public ObservationPushInterceptor(ObservationRegistry registry) {
        this(registry, null);
    }

    /**
     * Creates an interceptor.
     * @param registry the registry the observations are made in
     * @param convention names and keys to use instead of {@link DefaultApalisPushObservationConvention},
     * or {@code null} for the default
     */
    public ObservationPushInterceptor(ObservationRegistry registry, ApalisPushObservationConvention convention) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.convention = convention;
    }

    @Override
    public List<TaskId> intercept(String queue, int count, TaskOptions options, Push push) {
        if (this.registry.isNoop()) {
            return push.proceed(options);
        }
        ApalisPushObservationContext context = new ApalisPushObservationContext(queue, count);
        Observation observation = ApalisObservationDocumentation.TASK_PUSH
            .observation(this.convention, DefaultApalisPushObservationConvention.INSTANCE, () -> context, this.registry)
            .start();
        try (Observation.Scope scope = observation.openScope()) {
            List<TaskId> ids = push.proceed(withHeaders(options, context.getCarrier()));
            context.setTaskIds(ids);
            return ids;
        }
        catch (RuntimeException | Error ex) {
            observation.error(ex);
            throw ex;
        }
        finally {
            observation.stop();
        }
    }

    private static TaskOptions withHeaders(TaskOptions options, Map<String, String> headers) {
        if (headers == null || headers.isEmpty()) {
            return options;
        }
        Map<String, String> metadata = new LinkedHashMap<>(options.metadata());
        metadata.putAll(headers);
        return new TaskOptions(options.runAt(), options.delay(), options.priority(), options.maxAttempts(),
                options.uniqueKey(), metadata);
    }

    @Override
    public String toString() {
        return "ObservationPushInterceptor[" + this.registry + "]";
    }
}
