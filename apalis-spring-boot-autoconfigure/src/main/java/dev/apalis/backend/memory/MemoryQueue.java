package dev.apalis.backend.memory;

import java.time.Instant;
import java.util.Comparator;
import java.util.TreeSet;

import dev.apalis.task.Task;

/** The waiting tasks of one queue: those due, in claim order, and those waiting for their run time. */
final class MemoryQueue {

    private static final Comparator<Task> CLAIM_ORDER = Comparator.comparingInt(Task::priority)
        .thenComparing(Task::runAt)
        .thenComparing(Task::id);

    private static final Comparator<Task> RUN_AT_ORDER = Comparator.comparing(Task::runAt).thenComparing(Task::id);

    final TreeSet<Task> ready = new TreeSet<>(CLAIM_ORDER);

    final TreeSet<Task> delayed = new TreeSet<>(RUN_AT_ORDER);

    void add(Task task, Instant now) {
        if (task.runAt().isAfter(now)) {
            delayed.add(task);
        }
        else {
            ready.add(task);
        }
    }

    void remove(Task task) {
        ready.remove(task);
        delayed.remove(task);
    }

    void promoteDue(Instant now) {
        while (!delayed.isEmpty() && !delayed.first().runAt().isAfter(now)) {
            ready.add(delayed.pollFirst());
        }
    }
}
