package dev.apalis.task;

/**
 * Thrown by a handler to fail its task for good: it is killed at once, whatever attempts are left.
 */
public class AbortTaskException extends RuntimeException {

    public AbortTaskException(String message) {
        super(message);
    }

    public AbortTaskException(String message, Throwable cause) {
        super(message, cause);
    }
}
