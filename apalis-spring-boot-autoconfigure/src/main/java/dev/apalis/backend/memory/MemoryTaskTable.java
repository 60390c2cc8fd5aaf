package dev.apalis.backend.memory;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import dev.apalis.backend.AttemptError;
import dev.apalis.backend.QueueCount;
import dev.apalis.backend.TaskCursor;
import dev.apalis.task.Task;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskStatus;

/**
 * The tasks of a {@link MemoryStorage} by id, the waiting ones of each queue, the unique keys in use and
 * each task's history of failed attempts, with the look-ups over them. Not thread-safe: used under the
 * storage's lock.
 */
final class MemoryTaskTable {

    /** Listings: newest first, then by id descending. */
    private static final Comparator<Task> NEWEST_FIRST = Comparator.comparing(Task::createdAt)
        .thenComparing(Task::id)
        .reversed();

    private final Map<TaskId, Task> tasks = new HashMap<>();

    private final Map<String, MemoryQueue> queues = new HashMap<>();

    private final Map<String, String> uniqueKeys = new HashMap<>();

    /** The errors of each task's failed attempts, oldest first, at most {@link MemoryStorage#ATTEMPT_ERRORS_KEPT}. */
    private final Map<TaskId, Deque<AttemptError>> attemptErrors = new HashMap<>();

    Task get(TaskId id) {
        return tasks.get(id);
    }

    void put(Task task) {
        tasks.put(task.id(), task);
    }

    /** The waiting tasks of a queue, created on first use. */
    MemoryQueue queue(String name) {
        return queues.computeIfAbsent(name, key -> new MemoryQueue());
    }

    /** The waiting tasks of a queue, or null if nothing was ever queued there. */
    MemoryQueue queueIfAny(String name) {
        return queues.get(name);
    }

    /** The key under which a queue's unique key is held, or null without one. */
    static String uniqueKey(String queue, String uniqueKey) {
        return (uniqueKey != null) ? queue + "\u0000" + uniqueKey : null;
    }

    /** The id of the task holding a key from {@link #uniqueKey}, or null. */
    String holderOf(String key) {
        return uniqueKeys.get(key);
    }

    boolean isHeld(String key) {
        return uniqueKeys.containsKey(key);
    }

    void hold(String key, TaskId id) {
        uniqueKeys.put(key, id.toString());
    }

    /** Frees a finished task's unique key, if it still holds it. */
    void releaseUniqueKey(Task task) {
        if (task.uniqueKey() != null) {
            uniqueKeys.remove(uniqueKey(task.queue(), task.uniqueKey()), task.id().toString());
        }
    }

    void recordAttemptError(TaskId id, int attempt, Instant at, String error) {
        String text = (error != null) ? error : "(no message)";
        if (text.length() > MemoryStorage.ATTEMPT_ERROR_LENGTH) {
            text = text.substring(0, MemoryStorage.ATTEMPT_ERROR_LENGTH);
        }
        Deque<AttemptError> history = attemptErrors.computeIfAbsent(id, key -> new ArrayDeque<>());
        if (history.size() >= MemoryStorage.ATTEMPT_ERRORS_KEPT) {
            history.pollFirst();
        }
        history.addLast(new AttemptError(attempt, at, text));
    }

    List<AttemptError> attemptErrors(TaskId id) {
        return List.copyOf(attemptErrors.getOrDefault(id, new ArrayDeque<>()));
    }

    /** Puts a task back in its queue as pending, due now. */
    void putBack(Task task, int attempts, String lastError, Instant now) {
        Task pending = new Task(task.id(), task.queue(), task.payload(), TaskStatus.PENDING, attempts,
                task.maxAttempts(), task.priority(), now, lastError, task.uniqueKey(), task.metadata(),
                task.createdAt(), null);
        tasks.put(task.id(), pending);
        queue(task.queue()).add(pending, now);
    }

    /** Drops a task and its history. */
    void forget(TaskId id) {
        tasks.remove(id);
        attemptErrors.remove(id);
    }

    List<Task> page(String queue, TaskStatus status, TaskCursor after, int limit) {
        return tasks.values()
            .stream()
            .filter((task) -> task.queue().equals(queue) && task.status() == status)
            .filter((task) -> after == null || NEWEST_FIRST.compare(task, cursorTask(after)) > 0)
            .sorted(NEWEST_FIRST)
            .limit(limit + 1L)
            .toList();
    }

    List<Task> withUniqueKey(String queue, String uniqueKey, int limit) {
        return tasks.values()
            .stream()
            .filter((task) -> uniqueKey.equals(task.uniqueKey()) && (queue == null || task.queue().equals(queue)))
            .sorted(NEWEST_FIRST)
            .limit(limit)
            .toList();
    }

    List<TaskId> ids(String queue, TaskStatus status) {
        return tasks.values()
            .stream()
            .filter((task) -> task.queue().equals(queue) && task.status() == status)
            .map(Task::id)
            .toList();
    }

    List<QueueCount> counts() {
        Map<String, Map<TaskStatus, Long>> counts = new TreeMap<>();
        for (Task task : tasks.values()) {
            counts.computeIfAbsent(task.queue(), key -> new TreeMap<>()).merge(task.status(), 1L, Long::sum);
        }
        List<QueueCount> result = new ArrayList<>();
        counts.forEach((queue, byStatus) -> byStatus
            .forEach((status, count) -> result.add(new QueueCount(queue, status, count))));
        return result;
    }

    private static Task cursorTask(TaskCursor cursor) {
        return new Task(cursor.id(), "", "", TaskStatus.PENDING, 0, 0, 0, cursor.createdAt(), null, null, null,
                cursor.createdAt(), null);
    }
}
