package dev.apalis.benchmarks;

/**
 * A run of a scenario that failed; the report keeps it rather than hiding the system.
 *
 * @param system the system and variant
 * @param run which run ("warm-up" or "repeat 2", say)
 * @param error what went wrong
 */
public record Failure(String system, String run, String error) {
}
