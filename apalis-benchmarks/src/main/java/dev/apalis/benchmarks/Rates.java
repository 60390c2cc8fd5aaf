package dev.apalis.benchmarks;

/**
 * Turns counts and elapsed nanoseconds into rates.
 */
public final class Rates {

    private Rates() {
    }

    /**
     * @param count tasks
     * @param startNanos {@link System#nanoTime()} at the start
     * @param endNanos {@link System#nanoTime()} at the end
     * @return tasks per second
     */
    public static double perSecond(long count, long startNanos, long endNanos) {
        long elapsed = Math.max(1, endNanos - startNanos);
        return count * 1_000_000_000.0 / elapsed;
    }
}
