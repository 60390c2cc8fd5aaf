package dev.apalis.task;

import java.time.Duration;
import java.util.Objects;

/**
 * Thrown by a handler to fail this attempt and retry after a given delay instead of the worker's
 * backoff (for example what a rate-limited API asked for). It still counts as an attempt: a task
 * out of attempts is killed.
 */
public class RetryTaskException extends RuntimeException {

    private final Duration retryAfter;

    public RetryTaskException(String message, Duration retryAfter) {
        super(message);
        this.retryAfter = requireNotNegative(retryAfter);
    }

    public RetryTaskException(String message, Duration retryAfter, Throwable cause) {
        super(message, cause);
        this.retryAfter = requireNotNegative(retryAfter);
    }

    public Duration retryAfter() {
        return retryAfter;
    }

    private static Duration requireNotNegative(Duration retryAfter) {
        Objects.requireNonNull(retryAfter, "retryAfter");
        if (retryAfter.isNegative()) {
            throw new IllegalArgumentException("retryAfter must not be negative, was " + retryAfter);
        }
        return retryAfter;
    }
}
