package dev.apalis.backend;

import java.time.Instant;
import java.util.Objects;

import dev.apalis.task.TaskId;

/**
 * Where a page of a task listing ends: the creation time and id of its last task. The next page holds
 * the tasks created before it (newest first), however many tasks were added meanwhile. As text
 * ({@link #toString()}, {@link #parse(String)}) it can travel in a URL.
 *
 * @param createdAt when the last task of the page was created
 * @param id the last task's id (the tie-break between tasks created at the same time)
 */
public record TaskCursor(Instant createdAt, TaskId id) {

    public TaskCursor {
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(id, "id");
    }

    /**
     * Reads a cursor written by {@link #toString()}.
     * @param text the text
     * @return the cursor
     * @throws IllegalArgumentException if the text is not a cursor
     */
    public static TaskCursor parse(String text) {
        int split = (text != null) ? text.indexOf('_') : -1;
        if (split < 0) {
            throw new IllegalArgumentException("Invalid task cursor '" + text + "': use the 'next' value of a page");
        }
        try {
            return new TaskCursor(Instant.parse(text.substring(0, split)), TaskId.parse(text.substring(split + 1)));
        }
        catch (RuntimeException ex) {
            throw new IllegalArgumentException("Invalid task cursor '" + text + "': use the 'next' value of a page", ex);
        }
    }

    @Override
    public String toString() {
        return createdAt + "_" + id;
    }
}
