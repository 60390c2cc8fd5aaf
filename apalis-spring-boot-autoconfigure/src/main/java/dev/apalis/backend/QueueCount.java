package dev.apalis.backend;

import dev.apalis.task.TaskStatus;

/**
 * How many tasks of a queue are in a status.
 *
 * @param queue the queue
 * @param status the status
 * @param count the number of tasks
 */
public record QueueCount(String queue, TaskStatus status, long count) {
}
