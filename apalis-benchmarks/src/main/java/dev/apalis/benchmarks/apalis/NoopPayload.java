package dev.apalis.benchmarks.apalis;

/**
 * The payload of every benchmark task: its number, so that latency runs can tell tasks apart.
 *
 * @param n the task's number
 */
public record NoopPayload(int n) {
}
