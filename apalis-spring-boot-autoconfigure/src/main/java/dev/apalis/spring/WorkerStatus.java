package dev.apalis.spring;

import java.time.Instant;

import org.jspecify.annotations.Nullable;

/**
 * A snapshot of one worker of the application: its settings, its state, and what it did since the
 * application started (attempts counted from its events, once their outcome was stored).
 *
 * @param name the worker's name
 * @param queue the queue it consumes
 * @param state where it stands
 * @param concurrency how many tasks it runs at once at most
 * @param inFlight how many tasks it runs now
 * @param processed attempts that ended, successful or not
 * @param succeeded attempts that succeeded
 * @param failed attempts that failed (retried or not)
 * @param killed tasks given up (out of attempts, aborted, unreadable)
 * @param lastErrorAt when it last met an error outside a handler, if it did
 * @param lastError that error, briefly, if any
 */
public record WorkerStatus(String name, String queue, WorkerState state, int concurrency, int inFlight,
        long processed, long succeeded, long failed, long killed, @Nullable Instant lastErrorAt, @Nullable String lastError) {
}
