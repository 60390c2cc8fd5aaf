package dev.apalis.task;

import java.time.Duration;

/**
 * Records that an attempt ran longer than its worker's timeout; the handler's thread was interrupted
 * and the attempt counts as failed (and is retried while attempts are left).
 */
public class TaskTimeoutException extends RuntimeException {

    public TaskTimeoutException(Duration timeout) {
        super("Task did not finish within its timeout of " + timeout
                + "; its thread was interrupted. Raise the worker's timeout or make the handler faster.");
    }
}
