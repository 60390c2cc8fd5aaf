package dev.apalis.backend.memory;

import java.time.Clock;
import java.time.Instant;

import dev.apalis.task.Task;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskStatus;

/**
 * An operator's changes to single tasks: retry, cancel, reschedule and delete. Not thread-safe: used
 * under the storage's lock.
 */
final class MemoryOperators {

    private final MemoryTaskTable table;

    private final MemoryRetention retention;

    private final Clock clock;

    MemoryOperators(MemoryTaskTable table, MemoryRetention retention, Clock clock) {
        this.table = table;
        this.retention = retention;
        this.clock = clock;
    }

    /** Puts a failed or killed task back in its queue; returns it, or null if it cannot be retried. */
    Task retry(TaskId id) {
        Task task = table.get(id);
        if (task == null || (task.status() != TaskStatus.KILLED && task.status() != TaskStatus.FAILED)) {
            return null;
        }
        Instant now = clock.instant();
        boolean killed = task.status() == TaskStatus.KILLED;
        String uniqueKey = MemoryTaskTable.uniqueKey(task.queue(), task.uniqueKey());
        if (killed && uniqueKey != null && table.isHeld(uniqueKey)) {
            return null;
        }
        if (killed) {
            retention.reopen(id);
        }
        else {
            table.queue(task.queue()).remove(task);
        }
        Task pending = new Task(id, task.queue(), task.payload(), TaskStatus.PENDING, killed ? 0 : task.attempts(),
                task.maxAttempts(), task.priority(), now, task.lastError(), task.uniqueKey(), task.metadata(),
                task.createdAt(), null);
        table.put(pending);
        if (killed && uniqueKey != null) {
            table.hold(uniqueKey, id);
        }
        table.queue(task.queue()).add(pending, now);
        return pending;
    }

    boolean cancel(TaskId id) {
        Task task = table.get(id);
        if (task == null || !isWaiting(task)) {
            return false;
        }
        table.queue(task.queue()).remove(task);
        retention.finish(task, TaskStatus.KILLED, "Cancelled by an operator", clock.instant());
        return true;
    }

    /** Moves a waiting task's run time; returns it, or null if it is not waiting. */
    Task reschedule(TaskId id, Instant runAt) {
        Task task = table.get(id);
        if (task == null || !isWaiting(task)) {
            return null;
        }
        table.queue(task.queue()).remove(task);
        Task moved = new Task(id, task.queue(), task.payload(), task.status(), task.attempts(), task.maxAttempts(),
                task.priority(), runAt, task.lastError(), task.uniqueKey(), task.metadata(), task.createdAt(), null);
        table.put(moved);
        table.queue(task.queue()).add(moved, clock.instant());
        return moved;
    }

    boolean delete(TaskId id) {
        Task task = table.get(id);
        if (task == null || !task.status().isFinished()) {
            return false;
        }
        retention.delete(id);
        return true;
    }

    private static boolean isWaiting(Task task) {
        return task.status() == TaskStatus.PENDING || task.status() == TaskStatus.FAILED;
    }
}
