package dev.apalis.spring.boot;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;

import org.springframework.boot.convert.DurationStyle;
import org.springframework.util.StringValueResolver;

import dev.apalis.spring.TaskHandler;

/**
 * The settings of one {@link TaskHandler @TaskHandler}, placeholders resolved and parsed: the worker's
 * name, and its settings as a layer of {@link NamedWorkerProperties} in which an attribute that was not
 * set is {@code null} ({@code enabled} and {@code shutdownTimeout}, which have no attribute, are never
 * set).
 */
record TaskHandlerAttributes(String name, NamedWorkerProperties settings) {

    /**
     * Resolves and parses the attributes of an annotation.
     * @param annotation the merged annotation
     * @param resolver resolves {@code ${...}} placeholders
     * @param where the handler, for messages
     * @param problems where problems are added
     * @return the attributes; meaningless if problems were added
     */
    static TaskHandlerAttributes of(TaskHandler annotation, StringValueResolver resolver, String where,
            List<String> problems) {
        Parser parser = new Parser(resolver, where, problems);
        String name = parser.text("value", annotation.value());
        if (name == null) {
            problems.add(where + ": @TaskHandler needs a worker name, for example @TaskHandler(\"email\")");
        }
        NamedWorkerProperties settings = new NamedWorkerProperties();
        settings.setQueue(parser.text("queue", annotation.queue()));
        settings.setConcurrency(parser.integer("concurrency", annotation.concurrency(), 1));
        settings.setPrefetch(parser.integer("prefetch", annotation.prefetch(), 0));
        settings.setPollInterval(
                parser.atLeast("pollInterval", annotation.pollInterval(), DurationMinimums.POLL_INTERVAL));
        settings.setTimeout(parser.atLeast("timeout", annotation.timeout(), DurationMinimums.TIMEOUT));
        settings.setMaxAttempts(parser.integer("maxAttempts", annotation.maxAttempts(), 1));
        WorkerProperties.Backoff backoff = settings.getBackoff();
        backoff.setInitial(parser.notNegative("backoffInitial", annotation.backoffInitial()));
        backoff.setMultiplier(parser.decimal("backoffMultiplier", annotation.backoffMultiplier(), 1.0,
                Double.MAX_VALUE, "1.0 or more"));
        backoff.setMax(parser.notNegative("backoffMax", annotation.backoffMax()));
        backoff.setJitter(parser.decimal("backoffJitter", annotation.backoffJitter(), 0.0, 1.0, "between 0.0 and 1.0"));
        settings.getRateLimit().setPermits(parser.integer("rateLimitPermits", annotation.rateLimitPermits(), 0));
        settings.getRateLimit().setPeriod(parser.positive("rateLimitPeriod", annotation.rateLimitPeriod()));
        return new TaskHandlerAttributes(name, settings);
    }

    private static final class Parser {

        private static final String DURATION = "a duration such as 500ms, 10s or PT1M (a bare number is seconds)";

        /** Like a property: a bare number is seconds. */
        private static Duration duration(String text) {
            return DurationStyle.detectAndParse(text, ChronoUnit.SECONDS);
        }

        private final StringValueResolver resolver;

        private final String where;

        private final List<String> problems;

        Parser(StringValueResolver resolver, String where, List<String> problems) {
            this.resolver = resolver;
            this.where = where;
            this.problems = problems;
        }

        String text(String attribute, String raw) {
            if (raw == null || raw.isEmpty()) {
                return null;
            }
            String resolved;
            try {
                resolved = resolver.resolveStringValue(raw);
            }
            catch (RuntimeException ex) {
                problems.add(where + ": @TaskHandler(" + attribute + " = \"" + raw + "\") cannot be resolved: "
                        + ex.getMessage());
                return null;
            }
            if (resolved != null && resolved.contains("${")) {
                problems.add(where + ": @TaskHandler(" + attribute + " = \"" + raw + "\") cannot be resolved: "
                        + "a placeholder in \"" + resolved + "\" names no property");
                return null;
            }
            return (resolved == null || resolved.isBlank()) ? null : resolved.trim();
        }

        Integer integer(String attribute, String raw, int min) {
            return parse(attribute, raw, Integer::valueOf, "a whole number", (value) -> value >= min,
                    "must be " + min + " or more");
        }

        Double decimal(String attribute, String raw, double min, double max, String allowed) {
            return parse(attribute, raw, Double::valueOf, "a number", (value) -> value >= min && value <= max,
                    "must be " + allowed);
        }

        Duration positive(String attribute, String raw) {
            return parse(attribute, raw, Parser::duration, DURATION,
                    (value) -> !value.isNegative() && !value.isZero(), "must be a positive duration");
        }

        Duration atLeast(String attribute, String raw, Duration minimum) {
            return parse(attribute, raw, Parser::duration, DURATION, (value) -> value.compareTo(minimum) >= 0,
                    "must be at least " + DurationMinimums.text(minimum));
        }

        Duration notNegative(String attribute, String raw) {
            return parse(attribute, raw, Parser::duration, DURATION,
                    (value) -> !value.isNegative(), "must not be negative");
        }

        private <T> T parse(String attribute, String raw, Function<String, T> parser, String expected,
                Predicate<T> allowed, String notAllowed) {
            String text = text(attribute, raw);
            if (text == null) {
                return null;
            }
            T value;
            try {
                value = parser.apply(text);
            }
            catch (RuntimeException ex) {
                invalid(attribute, raw, text, "must be " + expected);
                return null;
            }
            if (!allowed.test(value)) {
                invalid(attribute, raw, text, notAllowed);
                return null;
            }
            return value;
        }

        private void invalid(String attribute, String raw, String resolved, String message) {
            String value = raw.equals(resolved) ? "\"" + raw + "\"" : "\"" + raw + "\" (resolved to \"" + resolved + "\")";
            problems.add(where + ": @TaskHandler(" + attribute + " = " + value + ") " + message);
        }
    }
}
