package dev.apalis.spring.boot.dashboard;

import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import org.jspecify.annotations.Nullable;

import dev.apalis.backend.Backend;
import dev.apalis.backend.QueueCount;
import dev.apalis.spring.TaskOperator;
import dev.apalis.spring.WorkerActivity;
import dev.apalis.spring.WorkerStatus;
import dev.apalis.task.TaskStatus;

/**
 * Every queue with its counts by status, whether it is paused across the cluster, and its oldest due
 * task. Bounded cost whatever the table holds: the backend's capped counts (exact up to 1,000 a status,
 * an estimate beyond), one query for the paused queues and one index probe per queue with waiting tasks.
 */
final class QueueSummaries {

    /** A count at or above this may be an estimate. */
    static final long EXACT_UP_TO = 1_000;

    private final Backend backend;

    private final TaskOperator operator;

    private final WorkerActivity activity;

    QueueSummaries(Backend backend, TaskOperator operator, WorkerActivity activity) {
        this.backend = backend;
        this.operator = operator;
        this.activity = activity;
    }

    /** Every queue that has tasks, a worker on this node, or a pause, by name. */
    List<Summary> all() {
        return summaries(null);
    }

    /** One queue (counted like the others, with one count query for all). */
    Summary one(String queue) {
        return summaries(queue).stream()
            .filter((summary) -> summary.queue().equals(queue))
            .findFirst()
            .orElseGet(() -> new Summary(queue, Map.of(), pausedQueues().contains(queue), null));
    }

    /** The summaries; the oldest due task is looked up for {@code only}, or for every queue when null. */
    private List<Summary> summaries(@Nullable String only) {
        Map<String, Map<TaskStatus, Long>> counts = new TreeMap<>();
        for (QueueCount count : this.backend.estimateByQueueAndStatus()) {
            counts.computeIfAbsent(count.queue(), (queue) -> new EnumMap<>(TaskStatus.class))
                .merge(count.status(), count.count(), Long::sum);
        }
        for (WorkerStatus worker : this.activity.statuses()) {
            counts.computeIfAbsent(worker.queue(), (queue) -> new EnumMap<>(TaskStatus.class));
        }
        Set<String> paused = pausedQueues();
        paused.forEach((queue) -> counts.computeIfAbsent(queue, (name) -> new EnumMap<>(TaskStatus.class)));
        return counts.entrySet()
            .stream()
            .filter((entry) -> only == null || entry.getKey().equals(only))
            .map((entry) -> summary(entry.getKey(), entry.getValue(), paused))
            .toList();
    }

    private Set<String> pausedQueues() {
        try {
            return this.operator.pausedQueues();
        }
        catch (UnsupportedOperationException ex) {
            return Set.of();
        }
    }

    private Summary summary(String queue, Map<TaskStatus, Long> byStatus, Set<String> paused) {
        boolean waiting = byStatus.getOrDefault(TaskStatus.PENDING, 0L) > 0 || byStatus.getOrDefault(TaskStatus.FAILED, 0L) > 0;
        Instant oldestDue = waiting ? this.backend.oldestDueAt(queue).orElse(null) : null;
        return new Summary(queue, byStatus, paused.contains(queue), oldestDue);
    }

    /**
     * One queue.
     * @param queue its name
     * @param counts its tasks by status (missing: none)
     * @param paused whether it is paused across the cluster
     * @param oldestDueAt the run time of its longest-waiting due task, or {@code null}
     */
    record Summary(String queue, Map<TaskStatus, Long> counts, boolean paused, @Nullable Instant oldestDueAt) {

        long count(TaskStatus status) {
            return counts.getOrDefault(status, 0L);
        }

        /** The count as text: "≈ 12,345" when it may be an estimate. */
        String countText(TaskStatus status) {
            long count = count(status);
            return ((count > EXACT_UP_TO) ? "≈ " : "") + Format.count(count);
        }
    }
}
