package dev.apalis.benchmarks.apalis;

/**
 * The payload of a soak task: when its push call began ({@link System#nanoTime()} of the pushing JVM, which
 * also runs the worker), so that the handler can tell its push-to-start latency without a lookup table.
 *
 * @param pushedNanos {@link System#nanoTime()} just before the push call
 * @param single whether it was pushed one per call (by a request-like thread) rather than in a batch
 */
public record SoakPayload(long pushedNanos, boolean single) {
}
