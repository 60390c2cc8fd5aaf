package dev.apalis.spring;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

import dev.apalis.backend.Backend;
import dev.apalis.backend.TaskCursor;
import dev.apalis.backend.TaskDetails;
import dev.apalis.backend.TaskManagement;
import dev.apalis.backend.TaskPage;
import dev.apalis.task.Task;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskStatus;

/**
 * The {@link TaskOperator} over a backend that implements {@link TaskManagement} (both
 * {@code PostgresStorage} and {@code MemoryStorage} do). Checks arguments, so that a wrong one fails
 * with a message before anything is asked of the backend. Over a backend that does not implement it,
 * every method throws {@link UnsupportedOperationException} saying so.
 */
public final class BackendTaskOperator implements TaskOperator {

    /** The largest page a listing returns. */
    public static final int MAX_PAGE = 1_000;

    private final Backend backend;

    /**
     * Creates an operator.
     * @param backend the backend, which should implement {@link TaskManagement}
     */
    public BackendTaskOperator(Backend backend) {
        this.backend = Objects.requireNonNull(backend, "backend");
    }

    private TaskManagement management() {
        if (backend instanceof TaskManagement management) {
            return management;
        }
        throw new UnsupportedOperationException("The backend " + backend.getClass().getName() + " cannot manage tasks: "
                + "it does not implement " + TaskManagement.class.getName());
    }

    @Override
    public Optional<TaskDetails> details(TaskId id) {
        return management().details(Objects.requireNonNull(id, "id"));
    }

    @Override
    public TaskPage list(String queue, TaskStatus status, TaskCursor after, int limit) {
        if (limit < 1 || limit > MAX_PAGE) {
            throw new IllegalArgumentException("limit must be between 1 and " + MAX_PAGE + ", was " + limit);
        }
        return management().list(queue(queue), Objects.requireNonNull(status, "status"), after, limit);
    }

    @Override
    public List<Task> findByUniqueKey(String queue, String uniqueKey, int limit) {
        if (limit < 1 || limit > MAX_PAGE) {
            throw new IllegalArgumentException("limit must be between 1 and " + MAX_PAGE + ", was " + limit);
        }
        if (uniqueKey == null || uniqueKey.isEmpty()) {
            throw new IllegalArgumentException("uniqueKey must not be empty");
        }
        return management().findByUniqueKey((queue != null) ? queue(queue) : null, uniqueKey, limit);
    }

    @Override
    public boolean cancel(TaskId id) {
        return management().cancel(Objects.requireNonNull(id, "id"));
    }

    @Override
    public boolean retry(TaskId id) {
        return management().retry(Objects.requireNonNull(id, "id"));
    }

    @Override
    public boolean delete(TaskId id) {
        return management().delete(Objects.requireNonNull(id, "id"));
    }

    @Override
    public boolean reschedule(TaskId id, Instant runAt) {
        return management().reschedule(Objects.requireNonNull(id, "id"), Objects.requireNonNull(runAt, "runAt"));
    }

    @Override
    public long cancelAll(String queue, TaskStatus status) {
        return management().cancelAll(queue(queue), Objects.requireNonNull(status, "status"));
    }

    @Override
    public long retryAll(String queue, TaskStatus status) {
        return management().retryAll(queue(queue), Objects.requireNonNull(status, "status"));
    }

    @Override
    public long deleteAll(String queue, TaskStatus status) {
        return management().deleteAll(queue(queue), Objects.requireNonNull(status, "status"));
    }

    @Override
    public boolean pause(String queue, String by) {
        return management().pause(queue(queue), by);
    }

    @Override
    public boolean resume(String queue, String by) {
        return management().resume(queue(queue), by);
    }

    @Override
    public Set<String> pausedQueues() {
        return management().pausedQueues();
    }

    private static String queue(String queue) {
        if (queue == null || queue.isBlank()) {
            throw new IllegalArgumentException("queue must not be blank");
        }
        return queue;
    }
}
