package dev.apalis.spring.boot.dashboard;

import java.util.List;

import dev.apalis.task.TaskStatus;

/**
 * Which corrections apply to tasks in a status: the same rules the backend checks as it changes them.
 */
enum TaskActions {

    /** Run again now: a failed or killed task. */
    RETRY("Retry", List.of(TaskStatus.FAILED, TaskStatus.KILLED)),

    /** Kill so that it never runs: a pending or failed task. */
    CANCEL("Cancel", List.of(TaskStatus.PENDING, TaskStatus.FAILED)),

    /** Remove: a done or killed task. */
    DELETE("Delete", List.of(TaskStatus.DONE, TaskStatus.KILLED));

    private final String label;

    private final List<TaskStatus> statuses;

    TaskActions(String label, List<TaskStatus> statuses) {
        this.label = label;
        this.statuses = statuses;
    }

    String label() {
        return this.label;
    }

    String verb() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    boolean appliesTo(TaskStatus status) {
        return this.statuses.contains(status);
    }

    static List<TaskActions> forStatus(TaskStatus status) {
        return java.util.Arrays.stream(values()).filter((action) -> action.appliesTo(status)).toList();
    }
}
