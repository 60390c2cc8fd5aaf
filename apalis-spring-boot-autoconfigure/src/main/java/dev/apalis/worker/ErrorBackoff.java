package dev.apalis.worker;

import java.time.Duration;

/**
 * How long a worker's loop pauses after an error: from 100 ms, doubled after each error in a row, up
 * to 10 s, and back to 100 ms after a success. Used by one thread; not thread-safe.
 */
final class ErrorBackoff {

    private static final Duration MIN = Duration.ofMillis(100);

    private static final Duration MAX = Duration.ofSeconds(10);

    private Duration current = MIN;

    /** The pause after the next error. */
    Duration current() {
        return current;
    }

    /** An error: the next pause is longer. */
    void grow() {
        Duration doubled = current.multipliedBy(2);
        current = (doubled.compareTo(MAX) > 0) ? MAX : doubled;
    }

    /** A success: back to the shortest pause. */
    void reset() {
        current = MIN;
    }
}
