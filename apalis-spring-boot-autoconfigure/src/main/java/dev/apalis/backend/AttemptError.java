package dev.apalis.backend;

import java.time.Instant;
import java.util.Objects;

/**
 * The error of one failed attempt of a task, as kept in its bounded history.
 *
 * @param attempt the attempt that failed, from 1
 * @param at when it failed, or {@code null} if the backend did not record it
 * @param error the error: its type and message, possibly cut
 */
public record AttemptError(int attempt, Instant at, String error) {

    public AttemptError {
        Objects.requireNonNull(error, "error");
    }
}
