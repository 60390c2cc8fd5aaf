package dev.apalis.worker;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How often a failed task is retried and how long it waits in between: exponential backoff with
 * jitter, capped, up to a number of attempts.
 * <p>
 * The defaults ({@link #defaults()}): 25 attempts, the first retry after 1 s, doubling each time,
 * capped at 1 h, each delay moved at random by up to 10% either way. A task that keeps failing is
 * retried for about 14 hours before it is killed, the same order as River and Oban (25 and 20
 * attempts over days with a polynomial curve) and Graphile Worker (25 attempts, exponential, capped),
 * but with a fast first retry for the common transient error.
 */
public final class RetryPolicy {

    public static final int DEFAULT_MAX_ATTEMPTS = 25;

    public static final Duration DEFAULT_INITIAL = Duration.ofSeconds(1);

    public static final double DEFAULT_MULTIPLIER = 2.0;

    public static final Duration DEFAULT_MAX = Duration.ofHours(1);

    public static final double DEFAULT_JITTER = 0.1;

    private static final RetryPolicy DEFAULTS = new RetryPolicy(DEFAULT_MAX_ATTEMPTS, DEFAULT_INITIAL,
            DEFAULT_MULTIPLIER, DEFAULT_MAX, DEFAULT_JITTER);

    private final int maxAttempts;

    private final Duration initial;

    private final double multiplier;

    private final Duration max;

    private final double jitter;

    private RetryPolicy(int maxAttempts, Duration initial, double multiplier, Duration max, double jitter) {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be 1 or more, was " + maxAttempts);
        }
        Objects.requireNonNull(initial, "initial");
        Objects.requireNonNull(max, "max");
        if (initial.isNegative() || max.isNegative()) {
            throw new IllegalArgumentException("backoff delays must not be negative");
        }
        if (max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("the maximum backoff (" + max + ") must not be shorter than the initial one ("
                    + initial + ")");
        }
        if (multiplier < 1.0 || Double.isNaN(multiplier) || Double.isInfinite(multiplier)) {
            throw new IllegalArgumentException("the backoff multiplier must be 1.0 or more, was " + multiplier);
        }
        if (jitter < 0.0 || jitter > 1.0 || Double.isNaN(jitter)) {
            throw new IllegalArgumentException("the backoff jitter must be between 0.0 and 1.0, was " + jitter);
        }
        this.maxAttempts = maxAttempts;
        this.initial = initial;
        this.multiplier = multiplier;
        this.max = max;
        this.jitter = jitter;
    }

    /**
     * The default policy: 25 attempts, 1 s doubling up to 1 h, 10% jitter.
     * @return the default policy
     */
    public static RetryPolicy defaults() {
        return DEFAULTS;
    }

    /**
     * An exponential policy with the default number of attempts.
     * @param initial the delay after the first failed attempt
     * @param multiplier how much each delay grows over the previous one (1.0 for a fixed delay)
     * @param max the longest delay
     * @param jitter the share by which each delay is moved at random, from 0.0 to 1.0
     * @return the policy
     */
    public static RetryPolicy exponential(Duration initial, double multiplier, Duration max, double jitter) {
        return new RetryPolicy(DEFAULT_MAX_ATTEMPTS, initial, multiplier, max, jitter);
    }

    /**
     * A policy that never retries: the first failure kills the task.
     * @return the policy
     */
    public static RetryPolicy none() {
        return DEFAULTS.maxAttempts(1);
    }

    /**
     * A copy of this policy with another number of attempts.
     * @param attempts how many attempts a task may take, the first included
     * @return the copy
     */
    public RetryPolicy maxAttempts(int attempts) {
        return new RetryPolicy(attempts, initial, multiplier, max, jitter);
    }

    public int maxAttempts() {
        return maxAttempts;
    }

    public Duration initial() {
        return initial;
    }

    public double multiplier() {
        return multiplier;
    }

    public Duration max() {
        return max;
    }

    public double jitter() {
        return jitter;
    }

    /**
     * How long to wait after a failed attempt.
     * @param attempt the attempt that failed, starting at 1
     * @return the delay before the next attempt
     */
    public Duration delayAfter(int attempt) {
        double base = initial.toMillis() * Math.pow(multiplier, Math.max(0, attempt - 1));
        double capped = Math.min(base, max.toMillis());
        double factor = (jitter > 0) ? 1.0 + ThreadLocalRandom.current().nextDouble(-jitter, jitter) : 1.0;
        return Duration.ofMillis(Math.round(Math.min(capped * factor, max.toMillis())));
    }

    @Override
    public String toString() {
        return "RetryPolicy[maxAttempts=" + maxAttempts + ", initial=" + initial + ", multiplier=" + multiplier
                + ", max=" + max + ", jitter=" + jitter + "]";
    }
}
