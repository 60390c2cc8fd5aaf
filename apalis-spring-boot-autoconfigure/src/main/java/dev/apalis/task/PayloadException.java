package dev.apalis.task;

/**
 * A payload that cannot be written as JSON, or read as the handler's type. A task whose payload
 * cannot be read is killed at once: retrying would not help.
 */
public class PayloadException extends RuntimeException {

    public PayloadException(String message, Throwable cause) {
        super(message, cause);
    }
}
