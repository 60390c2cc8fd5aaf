package dev.apalis.spring.boot;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import dev.apalis.spring.WorkerDefinition;
import dev.apalis.worker.RetryPolicy;

/**
 * Resolves each handler's {@link WorkerDefinition}: each setting comes from the first of
 * {@code apalis.workers.<name>.*}, the {@code @TaskHandler} attributes, {@code apalis.defaults.*} and
 * the built-in defaults that sets it, all four read as {@link WorkerProperties}; and checks that every
 * configured worker exists.
 */
final class WorkerDefinitionResolver {

    private static final Log logger = LogFactory.getLog(WorkerDefinitionResolver.class);

    /** The last layer: what a worker uses when neither it, its annotation nor apalis.defaults sets a value. */
    private static final WorkerProperties BUILT_IN = WorkerProperties.builtInDefaults();

    private final ApalisProperties properties;

    WorkerDefinitionResolver(ApalisProperties properties) {
        this.properties = properties;
    }

    /**
     * Resolves the definitions.
     * @param handlers the handler methods by worker name
     * @return the definitions by worker name, in the order given
     * @throws ApalisConfigurationException if {@code apalis.workers} names a worker no handler defines, or
     * the merged settings of a worker do not fit together
     */
    Map<String, WorkerDefinition> resolve(Map<String, TaskHandlerMethod> handlers) {
        Map<String, NamedWorkerProperties> configured = matchConfiguredWorkers(handlers);
        Map<String, WorkerDefinition> definitions = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        handlers.forEach((name, handler) -> {
            try {
                definitions.put(name, resolve(name, handler, configured.get(name)));
            }
            catch (IllegalArgumentException ex) {
                problems.add("Worker '" + name + "' (" + WorkerDefinition.describeHandler(handler.beanName(),
                        handler.method()) + "): " + ex.getMessage());
            }
        });
        if (!problems.isEmpty()) {
            throw new ApalisConfigurationException("Invalid worker settings:" + System.lineSeparator() + " - "
                    + String.join(System.lineSeparator() + " - ", problems),
                    "Check the worker's apalis.workers.<name>.* properties, its @TaskHandler attributes and "
                            + "apalis.defaults.*; the most specific of them wins.");
        }
        warnAboutSharedQueues(definitions);
        return definitions;
    }

    private static void warnAboutSharedQueues(Map<String, WorkerDefinition> definitions) {
        Map<String, List<String>> workersByQueue = new TreeMap<>();
        definitions.values()
            .stream()
            .filter(WorkerDefinition::enabled)
            .forEach((definition) -> workersByQueue.computeIfAbsent(definition.queue(), (queue) -> new ArrayList<>())
                .add(definition.name()));
        workersByQueue.forEach((queue, workers) -> {
            if (workers.size() > 1 && logger.isWarnEnabled()) {
                logger.warn("Workers " + workers + " all consume queue '" + queue + "': each task runs in only one "
                        + "of them, whichever claims it first. Give each handler its own queue unless that is meant.");
            }
        });
    }

    private Map<String, NamedWorkerProperties> matchConfiguredWorkers(Map<String, TaskHandlerMethod> handlers) {
        Map<String, String> namesByUniform = new LinkedHashMap<>();
        handlers.keySet().forEach((name) -> namesByUniform.put(WorkerNames.uniform(name), name));
        Map<String, NamedWorkerProperties> matched = new LinkedHashMap<>();
        List<String> unknown = new ArrayList<>();
        this.properties.getWorkers().forEach((key, worker) -> {
            String name = handlers.containsKey(key) ? key : namesByUniform.get(WorkerNames.uniform(key));
            if (name == null) {
                unknown.add(key);
            }
            else if (key.equals(name) || !matched.containsKey(name)) {
                matched.put(name, worker);
            }
        });
        if (!unknown.isEmpty()) {
            String known = handlers.isEmpty() ? "none: no bean has a @TaskHandler method"
                    : String.join(", ", new TreeSet<>(handlers.keySet()));
            throw new ApalisConfigurationException(
                    "apalis.workers configures " + ((unknown.size() == 1) ? "a worker" : "workers") + " that no "
                            + "@TaskHandler defines: " + String.join(", ", unknown) + ". Known workers: " + known + ".",
                    "Fix the worker name under apalis.workers (a typo?), or remove its settings if the handler is gone.");
        }
        return matched;
    }

    private WorkerDefinition resolve(String name, TaskHandlerMethod handler, NamedWorkerProperties worker) {
        NamedWorkerProperties own = (worker != null) ? worker : new NamedWorkerProperties();
        NamedWorkerProperties annotation = handler.attributes().settings();
        Layers settings = new Layers(List.of(own, annotation, this.properties.getDefaults(), BUILT_IN));
        boolean enabled = settings.first(WorkerProperties::getEnabled);
        String queue = pick(own.getQueue(), annotation.getQueue(), name);
        int concurrency = settings.first(WorkerProperties::getConcurrency);
        Integer prefetch = settings.first(WorkerProperties::getPrefetch);
        Duration pollInterval = settings.first(WorkerProperties::getPollInterval);
        Duration timeout = settings.first(WorkerProperties::getTimeout);
        int maxAttempts = settings.first(WorkerProperties::getMaxAttempts);
        Duration initial = settings.first((layer) -> layer.getBackoff().getInitial());
        double multiplier = settings.first((layer) -> layer.getBackoff().getMultiplier());
        Duration max = settings.first((layer) -> layer.getBackoff().getMax());
        double jitter = settings.first((layer) -> layer.getBackoff().getJitter());
        RetryPolicy retryPolicy = RetryPolicy.exponential(initial, multiplier, max, jitter).maxAttempts(maxAttempts);
        int permits = settings.first((layer) -> layer.getRateLimit().getPermits());
        Duration period = settings.first((layer) -> layer.getRateLimit().getPeriod());
        Duration shutdownTimeout = pick(own.getShutdownTimeout(), null, this.properties.getShutdown().getTimeout());
        return new WorkerDefinition(name, queue, enabled, concurrency, prefetch, pollInterval, timeout, retryPolicy,
                permits, period, this.properties.getHeartbeat().getInterval(), shutdownTimeout,
                handler.payloadType(), handler.beanName(), handler.method());
    }

    private static <T> T pick(T property, T annotation, T fallback) {
        if (property != null) {
            return property;
        }
        return (annotation != null) ? annotation : fallback;
    }

    /**
     * The settings of one worker as layers of {@link WorkerProperties}, the most specific first.
     * @param layers the worker's properties, its annotation, {@code apalis.defaults}, the built-in defaults
     */
    private record Layers(List<WorkerProperties> layers) {

        /**
         * A setting from the first layer that sets it.
         * @param setting reads the setting from a layer
         * @return the value, or {@code null} when no layer sets it (the built-in default is no value)
         */
        <T> T first(Function<WorkerProperties, T> setting) {
            for (WorkerProperties layer : this.layers) {
                T value = setting.apply(layer);
                if (value != null) {
                    return value;
                }
            }
            return null;
        }
    }
}
