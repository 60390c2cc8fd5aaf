package dev.apalis.backend;

import java.util.List;

import dev.apalis.task.Task;

/**
 * One page of a task listing, newest first.
 *
 * @param tasks the tasks, newest first, with their public status
 * @param next where the next page starts, or {@code null} when this is the last page
 */
public record TaskPage(List<Task> tasks, TaskCursor next) {

    public TaskPage {
        tasks = List.copyOf(tasks);
    }
}
