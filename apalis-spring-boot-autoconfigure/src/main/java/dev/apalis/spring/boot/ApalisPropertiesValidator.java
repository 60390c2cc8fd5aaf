package dev.apalis.spring.boot;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.regex.Pattern;

import org.springframework.validation.Errors;

/**
 * Checks bound {@link ApalisProperties}; every problem names the property in kebab case and says
 * what it allows. All problems are reported, not only the first.
 */
final class ApalisPropertiesValidator {

    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}");

    private static final String CODE = "apalis.invalid";

    private final ApalisProperties properties;

    private final BiConsumer<String, String> problems;

    /**
     * Creates a validator that reports to Spring's {@link Errors}.
     * @param properties the bound properties
     * @param errors where problems go
     */
    ApalisPropertiesValidator(ApalisProperties properties, Errors errors) {
        this(properties, (property, message) -> reject(errors, property, message));
    }

    /**
     * Creates a validator that reports each problem as a property name relative to {@code apalis}
     * ({@code workers[email].max-attempts}) and a message.
     * @param properties the bound properties
     * @param problems where problems go
     */
    ApalisPropertiesValidator(ApalisProperties properties, BiConsumer<String, String> problems) {
        this.properties = properties;
        this.problems = problems;
    }

    void validate() {
        if (properties.getBackend() == null) {
            reject("backend", "must be one of auto, jdbc, memory");
        }
        validateDefaults(properties.getDefaults());
        for (Map.Entry<String, NamedWorkerProperties> entry : properties.getWorkers().entrySet()) {
            validateWorker("workers[" + entry.getKey() + "].", entry.getValue());
        }
        validateHeartbeat(properties.getHeartbeat());
        validateJdbc(properties.getJdbc());
        notNegative("shutdown.timeout", properties.getShutdown().getTimeout());
        atLeast("metrics.queue-depth.refresh-interval", properties.getMetrics().getQueueDepth().getRefreshInterval(),
                DurationMinimums.QUEUE_DEPTH_REFRESH, "each refresh is a count query");
    }

    private void validateDefaults(WorkerProperties defaults) {
        validateSettings("defaults.", defaults);
        WorkerProperties.Backoff backoff = defaults.getBackoff();
        if (backoff.getInitial() != null && backoff.getMax() != null
                && backoff.getMax().compareTo(backoff.getInitial()) < 0) {
            reject("defaults.backoff.max", "must not be shorter than apalis.defaults.backoff.initial ("
                    + backoff.getInitial() + ")");
        }
    }

    private void validateWorker(String prefix, NamedWorkerProperties worker) {
        if (worker.getQueue() != null && worker.getQueue().isBlank()) {
            reject(prefix + "queue", "must not be blank; remove it to use the worker's name");
        }
        validateSettings(prefix, worker);
        if (worker.getShutdownTimeout() != null) {
            notNegative(prefix + "shutdown-timeout", worker.getShutdownTimeout());
        }
    }

    /**
     * Checks the settings that are set, the same way under {@code apalis.defaults} and under each worker;
     * a setting that is not set is inherited, and was checked where it is set.
     */
    private void validateSettings(String prefix, WorkerProperties settings) {
        atLeastIfSet(prefix + "concurrency", settings.getConcurrency(), 1);
        atLeastIfSet(prefix + "prefetch", settings.getPrefetch(), 0);
        atLeastIfSet(prefix + "poll-interval", settings.getPollInterval(), DurationMinimums.POLL_INTERVAL, POLLS);
        atLeastIfSet(prefix + "timeout", settings.getTimeout(), DurationMinimums.TIMEOUT, null);
        atLeastIfSet(prefix + "max-attempts", settings.getMaxAttempts(), 1);
        WorkerProperties.Backoff backoff = settings.getBackoff();
        if (backoff.getInitial() != null) {
            notNegative(prefix + "backoff.initial", backoff.getInitial());
        }
        if (backoff.getMultiplier() != null) {
            multiplier(prefix + "backoff.multiplier", backoff.getMultiplier());
        }
        if (backoff.getMax() != null) {
            notNegative(prefix + "backoff.max", backoff.getMax());
        }
        if (backoff.getJitter() != null) {
            jitter(prefix + "backoff.jitter", backoff.getJitter());
        }
        atLeastIfSet(prefix + "rate-limit.permits", settings.getRateLimit().getPermits(), 0);
        positiveIfSet(prefix + "rate-limit.period", settings.getRateLimit().getPeriod());
    }

    private void validateJdbc(ApalisProperties.Jdbc jdbc) {
        String schema = jdbc.getSchema();
        if (schema == null || !IDENTIFIER.matcher(schema).matches()) {
            reject("jdbc.schema", "must be a plain SQL identifier: letters, digits and underscores, not starting "
                    + "with a digit, at most 63 characters (for example apalis or jobs_v2)");
        }
        else if (schema.toLowerCase(Locale.ROOT).startsWith("pg_")) {
            reject("jdbc.schema", "must not start with pg_, which PostgreSQL reserves for its own schemas");
        }
        if (jdbc.getInitializeSchema() == null) {
            reject("jdbc.initialize-schema", "must be one of always, never");
        }
        atLeast("jdbc.maintenance-interval", jdbc.getMaintenanceInterval(), DurationMinimums.MAINTENANCE_INTERVAL,
                null);
        notNegative("jdbc.retention.done", jdbc.getRetention().getDone());
        positive("jdbc.retention.killed", jdbc.getRetention().getKilled());
    }

    private void validateHeartbeat(ApalisProperties.Heartbeat heartbeat) {
        atLeast("heartbeat.interval", heartbeat.getInterval(), DurationMinimums.HEARTBEAT_INTERVAL, null);
        atLeast("heartbeat.orphan-threshold", heartbeat.getOrphanThreshold(), DurationMinimums.ORPHAN_THRESHOLD,
                null);
        if (isPositive(heartbeat.getInterval()) && isPositive(heartbeat.getOrphanThreshold())
                && heartbeat.getInterval().compareTo(heartbeat.getOrphanThreshold()) >= 0) {
            reject("heartbeat.interval", "must be shorter than apalis.heartbeat.orphan-threshold ("
                    + DurationMinimums.text(heartbeat.getOrphanThreshold())
                    + "), else live workers lose their tasks; a third of it or less is safe");
        }
    }

    private static final String POLLS = "each poll is a query, on every node";

    private void atLeast(String property, Duration value, Duration min, String why) {
        if (value == null || value.compareTo(min) < 0) {
            reject(property, "must be at least " + DurationMinimums.text(min) + ((why != null) ? ": " + why : "")
                    + " (a number without a unit is seconds)");
        }
    }

    private void atLeastIfSet(String property, Duration value, Duration min, String why) {
        if (value != null) {
            atLeast(property, value, min, why);
        }
    }

    private void atLeast(String property, int value, int min) {
        if (value < min) {
            reject(property, "must be " + min + " or more");
        }
    }

    private void atLeastIfSet(String property, Integer value, int min) {
        if (value != null) {
            atLeast(property, value, min);
        }
    }

    private void positive(String property, Duration value) {
        if (!isPositive(value)) {
            reject(property, "must be a positive duration (for example 500ms, 10s or 1m)");
        }
    }

    private void positiveIfSet(String property, Duration value) {
        if (value != null) {
            positive(property, value);
        }
    }

    private void notNegative(String property, Duration value) {
        if (value == null || value.isNegative()) {
            reject(property, "must be a duration of zero or more (for example 0s, 500ms or 1h)");
        }
    }

    private void multiplier(String property, double value) {
        if (!(value >= 1.0) || Double.isInfinite(value)) {
            reject(property, "must be 1.0 or more (1.0 keeps the delay fixed)");
        }
    }

    private void jitter(String property, double value) {
        if (!(value >= 0.0 && value <= 1.0)) {
            reject(property, "must be between 0.0 and 1.0 (0.1 moves each delay by up to 10% either way)");
        }
    }

    private static boolean isPositive(Duration value) {
        return value != null && !value.isNegative() && !value.isZero();
    }

    private void reject(String property, String message) {
        problems.accept(property, message);
    }

    private static void reject(Errors errors, String property, String message) {
        String field = toFieldPath(property);
        String text = "apalis." + toPropertyName(property) + " " + message;
        try {
            errors.rejectValue(field, CODE, text);
        }
        catch (RuntimeException ex) {
            errors.reject(CODE, text);
        }
    }

    /** {@code workers[email].max-attempts} to the bean path {@code workers[email].maxAttempts}. */
    private static String toFieldPath(String property) {
        StringBuilder path = new StringBuilder(property.length());
        boolean inKey = false;
        boolean upper = false;
        for (char c : property.toCharArray()) {
            if (c == '[') {
                inKey = true;
            }
            else if (c == ']') {
                inKey = false;
            }
            if (!inKey && c == '-') {
                upper = true;
                continue;
            }
            path.append(upper ? Character.toUpperCase(c) : c);
            upper = false;
        }
        return path.toString();
    }

    /** {@code workers[email].max-attempts} to {@code workers.email.max-attempts}. */
    static String toPropertyName(String property) {
        return property.replace("[", ".").replace("]", "");
    }
}
