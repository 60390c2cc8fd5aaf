package dev.apalis.spring.boot;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

import org.springframework.validation.Errors;

/**
 * Checks bound {@link ApalisProperties}; every error names the property (relative to
 * {@code apalis}) and says what it allows.
 */
final class ApalisPropertiesValidator {

    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}");

    private static final String CODE = "apalis.invalid";

    private static final Duration MIN_QUEUE_DEPTH_REFRESH = Duration.ofSeconds(1);

    private final ApalisProperties properties;

    private final Errors errors;

    ApalisPropertiesValidator(ApalisProperties properties, Errors errors) {
        this.properties = properties;
        this.errors = errors;
    }

    void validate() {
        if (properties.getBackend() == null) {
            reject("backend", "must be one of auto, jdbc, memory");
        }
        validateDefaults(properties.getDefaults());
        for (Map.Entry<String, ApalisProperties.Worker> entry : properties.getWorkers().entrySet()) {
            validateWorker("workers[" + entry.getKey() + "].", entry.getValue());
        }
        validateJdbc(properties.getJdbc());
        notNegative("shutdown.timeout", properties.getShutdown().getTimeout());
        Duration refresh = properties.getMetrics().getQueueDepth().getRefreshInterval();
        if (refresh == null || refresh.compareTo(MIN_QUEUE_DEPTH_REFRESH) < 0) {
            reject("metrics.queue-depth.refresh-interval", "must be at least 1s: each refresh is a count query");
        }
    }

    private void validateDefaults(ApalisProperties.Defaults defaults) {
        atLeast("defaults.concurrency", defaults.getConcurrency(), 1);
        atLeastIfSet("defaults.prefetch", defaults.getPrefetch(), 0);
        positive("defaults.poll-interval", defaults.getPollInterval());
        positiveIfSet("defaults.timeout", defaults.getTimeout());
        atLeast("defaults.max-attempts", defaults.getMaxAttempts(), 1);
        ApalisProperties.Backoff backoff = defaults.getBackoff();
        notNegative("defaults.backoff.initial", backoff.getInitial());
        multiplier("defaults.backoff.multiplier", backoff.getMultiplier());
        notNegative("defaults.backoff.max", backoff.getMax());
        jitter("defaults.backoff.jitter", backoff.getJitter());
        if (backoff.getInitial() != null && backoff.getMax() != null
                && backoff.getMax().compareTo(backoff.getInitial()) < 0) {
            reject("defaults.backoff.max", "must not be shorter than apalis.defaults.backoff.initial ("
                    + backoff.getInitial() + ")");
        }
        atLeast("defaults.rate-limit.permits", defaults.getRateLimit().getPermits(), 0);
        positive("defaults.rate-limit.period", defaults.getRateLimit().getPeriod());
    }

    private void validateWorker(String prefix, ApalisProperties.Worker worker) {
        if (worker.getQueue() != null && worker.getQueue().isBlank()) {
            reject(prefix + "queue", "must not be blank; remove it to use the worker's name");
        }
        atLeastIfSet(prefix + "concurrency", worker.getConcurrency(), 1);
        atLeastIfSet(prefix + "prefetch", worker.getPrefetch(), 0);
        positiveIfSet(prefix + "poll-interval", worker.getPollInterval());
        positiveIfSet(prefix + "timeout", worker.getTimeout());
        atLeastIfSet(prefix + "max-attempts", worker.getMaxAttempts(), 1);
        if (worker.getShutdownTimeout() != null) {
            notNegative(prefix + "shutdown-timeout", worker.getShutdownTimeout());
        }
        ApalisProperties.WorkerBackoff backoff = worker.getBackoff();
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
        atLeastIfSet(prefix + "rate-limit.permits", worker.getRateLimit().getPermits(), 0);
        positiveIfSet(prefix + "rate-limit.period", worker.getRateLimit().getPeriod());
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
        positive("jdbc.orphan-threshold", jdbc.getOrphanThreshold());
        positive("jdbc.heartbeat-interval", jdbc.getHeartbeatInterval());
        positive("jdbc.maintenance-interval", jdbc.getMaintenanceInterval());
        if (isPositive(jdbc.getHeartbeatInterval()) && isPositive(jdbc.getOrphanThreshold())
                && jdbc.getHeartbeatInterval().compareTo(jdbc.getOrphanThreshold()) >= 0) {
            reject("jdbc.heartbeat-interval", "must be shorter than apalis.jdbc.orphan-threshold ("
                    + jdbc.getOrphanThreshold() + "), else live workers lose their tasks; a third of it or less "
                    + "is safe");
        }
        notNegative("jdbc.retention.done", jdbc.getRetention().getDone());
        notNegative("jdbc.retention.killed", jdbc.getRetention().getKilled());
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
    private static String toPropertyName(String property) {
        return property.replace("[", ".").replace("]", "");
    }
}
