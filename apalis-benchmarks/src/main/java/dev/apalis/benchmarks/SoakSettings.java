package dev.apalis.benchmarks;

import java.time.Duration;

/**
 * The soak mode's settings.
 *
 * @param length how long pushes and the drain run together
 * @param window the length of one reported row (a minute by default)
 * @param loadPercent the push rate, as a share of the drain rate measured before the soak
 * @param retention how long done tasks are kept; pruning runs every third of it
 * @param warmUp how long pushes and the drain run together before the first window, so that the
 * first window starts with the retention's worth of done tasks in the table, not an empty one
 */
public record SoakSettings(Duration length, Duration window, int loadPercent, Duration retention, Duration warmUp) {

    static final int DEFAULT_MINUTES = 10;

    static final Duration DEFAULT_WINDOW = Duration.ofMinutes(1);

    static final int DEFAULT_LOAD_PERCENT = 50;

    static final Duration DEFAULT_RETENTION = Duration.ofSeconds(30);

    static final Duration DEFAULT_WARM_UP = Duration.ofMinutes(2);

    public SoakSettings {
        if (window.isZero() || window.isNegative() || window.compareTo(length) > 0) {
            throw new IllegalArgumentException("--window must be positive and at most the soak's length (" + length
                    + "), was " + window);
        }
        if (retention.toMillis() < 3) {
            throw new IllegalArgumentException("--retention must be at least 3ms, was " + retention);
        }
        if (warmUp.isNegative()) {
            throw new IllegalArgumentException("--warmup must be zero or more, was " + warmUp);
        }
        if (loadPercent < 1 || loadPercent > 100) {
            throw new IllegalArgumentException("--load must be from 1 to 100, was " + loadPercent);
        }
    }

    /** How many windows the soak reports. */
    public int windows() {
        return (int) Math.max(1, length.toMillis() / window.toMillis());
    }
}
