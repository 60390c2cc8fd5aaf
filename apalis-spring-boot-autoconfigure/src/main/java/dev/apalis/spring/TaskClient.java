package dev.apalis.spring;

import java.util.Collection;
import java.util.List;
import java.util.Optional;

import dev.apalis.task.Task;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskOptions;
import dev.apalis.task.TaskStatus;

/**
 * Pushes tasks and looks them up. Payloads are written as JSON with the application's payload
 * codec. A queue need not have a handler in this application: another service may consume it.
 * <p>
 * With a JDBC backend, a push made inside a Spring-managed transaction on the backend's
 * {@code DataSource} joins that transaction: the task is stored if and only if the transaction
 * commits, and no worker can see it before. Thread-safe.
 */
public interface TaskClient {

    /**
     * Pushes a task that runs as soon as a worker is free.
     * @param queue the queue
     * @param payload the payload, written as JSON
     * @return the task's id
     * @throws dev.apalis.task.PayloadException if the payload cannot be written as JSON
     */
    default TaskId push(String queue, Object payload) {
        return push(queue, payload, TaskOptions.defaults());
    }

    /**
     * Pushes a task with options: run time or delay, priority, attempts, unique key, metadata.
     * @param queue the queue
     * @param payload the payload, written as JSON
     * @param options how to push it
     * @return the task's id, or the id of the unfinished task that holds the same unique key
     * @throws dev.apalis.task.PayloadException if the payload cannot be written as JSON
     */
    TaskId push(String queue, Object payload, TaskOptions options);

    /**
     * Pushes several tasks to one queue in one round trip.
     * @param queue the queue
     * @param payloads the payloads, each written as JSON
     * @return the tasks' ids, in the order of the payloads
     * @throws dev.apalis.task.PayloadException if a payload cannot be written as JSON; nothing is pushed
     */
    default List<TaskId> pushAll(String queue, Collection<?> payloads) {
        return pushAll(queue, payloads, TaskOptions.defaults());
    }

    /**
     * Pushes several tasks to one queue in one round trip, all with the same options.
     * @param queue the queue
     * @param payloads the payloads, each written as JSON
     * @param options how to push them; must not have a unique key (it identifies one task)
     * @return the tasks' ids, in the order of the payloads
     * @throws dev.apalis.task.PayloadException if a payload cannot be written as JSON; nothing is pushed
     */
    List<TaskId> pushAll(String queue, Collection<?> payloads, TaskOptions options);

    /**
     * Finds a task.
     * @param id its id
     * @return the task, or empty if it does not exist (never pushed, rolled back, or pruned by retention)
     */
    Optional<Task> find(TaskId id);

    /**
     * Looks up where a task stands.
     * @param id its id
     * @return its status, or empty if it does not exist
     */
    default Optional<TaskStatus> status(TaskId id) {
        return find(id).map(Task::status);
    }
}
