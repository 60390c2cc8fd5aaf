package dev.apalis.spring.boot;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import dev.apalis.spring.WorkerDefinition;
import dev.apalis.worker.RetryPolicy;

/**
 * Resolves each handler's {@link WorkerDefinition} from, by increasing precedence,
 * {@code apalis.defaults.*} (which carries the built-in defaults), the {@code @TaskHandler}
 * attributes, and {@code apalis.workers.<name>.*}; and checks that every configured worker exists.
 */
final class WorkerDefinitionResolver {

    private static final Log logger = LogFactory.getLog(WorkerDefinitionResolver.class);

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
        Map<String, ApalisProperties.Worker> configured = matchConfiguredWorkers(handlers);
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

    private Map<String, ApalisProperties.Worker> matchConfiguredWorkers(Map<String, TaskHandlerMethod> handlers) {
        Map<String, String> namesByUniform = new LinkedHashMap<>();
        handlers.keySet().forEach((name) -> namesByUniform.put(WorkerNames.uniform(name), name));
        Map<String, ApalisProperties.Worker> matched = new LinkedHashMap<>();
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

    private WorkerDefinition resolve(String name, TaskHandlerMethod handler, ApalisProperties.Worker worker) {
        ApalisProperties.Defaults defaults = this.properties.getDefaults();
        TaskHandlerAttributes annotation = handler.attributes();
        ApalisProperties.Worker own = (worker != null) ? worker : new ApalisProperties.Worker();
        boolean enabled = pick(own.getEnabled(), null, defaults.isEnabled());
        String queue = pick(own.getQueue(), annotation.queue(), name);
        int concurrency = pick(own.getConcurrency(), annotation.concurrency(), defaults.getConcurrency());
        Integer prefetch = pick(own.getPrefetch(), annotation.prefetch(), defaults.getPrefetch());
        Duration pollInterval = pick(own.getPollInterval(), annotation.pollInterval(), defaults.getPollInterval());
        Duration timeout = pick(own.getTimeout(), annotation.timeout(), defaults.getTimeout());
        int maxAttempts = pick(own.getMaxAttempts(), annotation.maxAttempts(), defaults.getMaxAttempts());
        ApalisProperties.Backoff backoff = defaults.getBackoff();
        ApalisProperties.WorkerBackoff ownBackoff = own.getBackoff();
        Duration initial = pick(ownBackoff.getInitial(), annotation.backoffInitial(), backoff.getInitial());
        double multiplier = pick(ownBackoff.getMultiplier(), annotation.backoffMultiplier(), backoff.getMultiplier());
        Duration max = pick(ownBackoff.getMax(), annotation.backoffMax(), backoff.getMax());
        double jitter = pick(ownBackoff.getJitter(), annotation.backoffJitter(), backoff.getJitter());
        RetryPolicy retryPolicy = RetryPolicy.exponential(initial, multiplier, max, jitter).maxAttempts(maxAttempts);
        int permits = pick(own.getRateLimit().getPermits(), annotation.rateLimitPermits(),
                defaults.getRateLimit().getPermits());
        Duration period = pick(own.getRateLimit().getPeriod(), annotation.rateLimitPeriod(),
                defaults.getRateLimit().getPeriod());
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
}
