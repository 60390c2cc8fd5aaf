package dev.apalis.backend.memory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;

import dev.apalis.task.Task;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskStatus;

/**
 * Finishes tasks and keeps the finished ones up to a bound on their number and a retention by age, the
 * oldest finished dropped first; a done retention of zero keeps no done task at all. Not thread-safe:
 * used under the storage's lock.
 */
final class MemoryRetention {

    private final MemoryTaskTable table;

    private final MemoryClaimLedger ledger;

    private final int finishedTasksKept;

    private final Duration doneRetention;

    private final Duration killedRetention;

    private final Deque<TaskId> finished = new ArrayDeque<>();

    MemoryRetention(MemoryTaskTable table, MemoryClaimLedger ledger, int finishedTasksKept, Duration doneRetention,
            Duration killedRetention) {
        this.table = table;
        this.ledger = ledger;
        this.finishedTasksKept = finishedTasksKept;
        this.doneRetention = doneRetention;
        this.killedRetention = killedRetention;
    }

    void finish(Task task, TaskStatus status, String error, Instant now) {
        Task done = new Task(task.id(), task.queue(), task.payload(), status, task.attempts(), task.maxAttempts(),
                task.priority(), task.runAt(), error, task.uniqueKey(), task.metadata(), task.createdAt(), now);
        table.put(done);
        ledger.settle(task.id());
        table.releaseUniqueKey(task);
        if (status == TaskStatus.DONE && doneRetention.isZero()) {
            forget(task.id());
            return;
        }
        finished.addLast(task.id());
        while (finished.size() > finishedTasksKept) {
            forget(finished.pollFirst());
        }
        prune(now);
    }

    /**
     * Drops the finished tasks past their retention: the oldest finished come first, so it stops at the
     * first one still kept by both retentions.
     */
    long prune(Instant now) {
        long pruned = 0;
        for (Iterator<TaskId> it = finished.iterator(); it.hasNext();) {
            Task task = table.get(it.next());
            Instant finishedAt = (task != null) ? task.finishedAt() : null;
            if (finishedAt == null) {
                it.remove();
                continue;
            }
            Duration retention = (task.status() == TaskStatus.DONE) ? doneRetention : killedRetention;
            if (!finishedAt.plus(retention).isBefore(now)) {
                if (finishedAt.plus(shorterRetention()).isBefore(now)) {
                    continue;
                }
                break;
            }
            it.remove();
            forget(task.id());
            pruned++;
        }
        return pruned;
    }

    /** Drops a finished task at once. */
    void delete(TaskId id) {
        forget(id);
        finished.remove(id);
    }

    /** Takes a killed task off the finished ones, as it is retried. */
    void reopen(TaskId id) {
        finished.remove(id);
    }

    private Duration shorterRetention() {
        return (doneRetention.compareTo(killedRetention) < 0) ? doneRetention : killedRetention;
    }

    private void forget(TaskId id) {
        table.forget(id);
        ledger.forget(id);
    }
}
