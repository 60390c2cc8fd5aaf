package dev.apalis.spring.boot.dashboard;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.jspecify.annotations.Nullable;

import dev.apalis.task.TaskId;
import dev.apalis.task.TaskStatus;

/**
 * An action asked for by a form: what to do and to what. Read from the form's fields and checked
 * before anything is confirmed or done; a field that does not fit is refused with a message.
 *
 * @param kind what to do
 * @param ids the tasks, for an action on one task or a selection
 * @param queue the queue, for an action on a queue or on every task of a queue in a status
 * @param status the status, for an action on every task of a queue in it
 * @param worker the worker, for an action on a worker of this node
 * @param schedule the schedule, for an action on a schedule
 */
record DashboardAction(Kind kind, List<TaskId> ids, @Nullable String queue, @Nullable TaskStatus status,
        @Nullable String worker, @Nullable String schedule) {

    /** The most tasks one selection may name. */
    static final int MAX_SELECTION = 1_000;

    /**
     * Reads an action from form fields.
     * @param fields the request's parameters
     * @return the action
     * @throws IllegalArgumentException naming the field that does not fit
     */
    static DashboardAction from(Map<String, String[]> fields) {
        String code = single(fields, "action");
        Kind kind = Arrays.stream(Kind.values())
            .filter((candidate) -> candidate.code.equals(code))
            .findFirst()
            .orElseThrow(() -> new IllegalArgumentException("Unknown action '" + code + "'"));
        List<TaskId> ids = List.of();
        String queue = null;
        TaskStatus status = null;
        String worker = null;
        String schedule = null;
        switch (kind.target) {
            case TASK, SELECTION -> {
                String[] given = fields.getOrDefault("id", new String[0]);
                Set<TaskId> parsed = new LinkedHashSet<>();
                for (String id : given) {
                    try {
                        parsed.add(TaskId.parse(id.trim()));
                    }
                    catch (IllegalArgumentException ex) {
                        throw new IllegalArgumentException("'" + id + "' is not a task id");
                    }
                }
                if (parsed.isEmpty()) {
                    throw new IllegalArgumentException("Select at least one task");
                }
                if (kind.target == Target.TASK && parsed.size() != 1) {
                    throw new IllegalArgumentException("An action on one task names one task id");
                }
                if (parsed.size() > MAX_SELECTION) {
                    throw new IllegalArgumentException("Select at most " + MAX_SELECTION + " tasks, or act on every task "
                            + "of the status");
                }
                ids = List.copyOf(new ArrayList<>(parsed));
                queue = optional(fields, "queue");
                status = (optional(fields, "status") != null) ? status(single(fields, "status")) : null;
            }
            case FILTER -> {
                queue = single(fields, "queue");
                status = status(single(fields, "status"));
                if (!kind.taskAction.appliesTo(status)) {
                    throw new IllegalArgumentException(kind.taskAction.label() + " does not apply to " + status
                            + " tasks");
                }
            }
            case QUEUE -> queue = single(fields, "queue");
            case WORKER -> worker = single(fields, "worker");
            case SCHEDULE -> schedule = single(fields, "schedule");
        }
        return new DashboardAction(kind, ids, queue, status, worker, schedule);
    }

    /** The fields that ask for this action again, confirmed: name/value pairs. */
    List<String[]> fields() {
        List<String[]> fields = new ArrayList<>();
        fields.add(new String[] { "action", this.kind.code });
        this.ids.forEach((id) -> fields.add(new String[] { "id", id.toString() }));
        if (this.queue != null) {
            fields.add(new String[] { "queue", this.queue });
        }
        if (this.status != null) {
            fields.add(new String[] { "status", this.status.name() });
        }
        if (this.worker != null) {
            fields.add(new String[] { "worker", this.worker });
        }
        if (this.schedule != null) {
            fields.add(new String[] { "schedule", this.schedule });
        }
        return fields;
    }

    private static String single(Map<String, String[]> fields, String name) {
        String value = optional(fields, name);
        if (value == null) {
            throw new IllegalArgumentException("The field '" + name + "' is missing");
        }
        return value;
    }

    private static @Nullable String optional(Map<String, String[]> fields, String name) {
        String[] values = fields.get(name);
        if (values == null || values.length == 0 || values[0].isBlank()) {
            return null;
        }
        if (values.length > 1) {
            throw new IllegalArgumentException("The field '" + name + "' is given twice");
        }
        return values[0].trim();
    }

    private static TaskStatus status(String text) {
        try {
            return TaskStatus.valueOf(text.toUpperCase(Locale.ROOT));
        }
        catch (IllegalArgumentException ex) {
            throw new IllegalArgumentException("Unknown status '" + text + "': use one of "
                    + Arrays.toString(TaskStatus.values()));
        }
    }

    /** What an action applies to. */
    enum Target {
        /** One task. */
        TASK,
        /** Tasks selected on a page. */
        SELECTION,
        /** Every task of a queue in a status. */
        FILTER,
        /** A queue, across the cluster. */
        QUEUE,
        /** A worker of this node. */
        WORKER,
        /** A schedule, across the cluster. */
        SCHEDULE
    }

    /** Every action, by the code its form sends. */
    enum Kind {

        TASK_RETRY("task.retry", Target.TASK, TaskActions.RETRY),
        TASK_CANCEL("task.cancel", Target.TASK, TaskActions.CANCEL),
        TASK_DELETE("task.delete", Target.TASK, TaskActions.DELETE),
        SELECTION_RETRY("selection.retry", Target.SELECTION, TaskActions.RETRY),
        SELECTION_CANCEL("selection.cancel", Target.SELECTION, TaskActions.CANCEL),
        SELECTION_DELETE("selection.delete", Target.SELECTION, TaskActions.DELETE),
        FILTER_RETRY("filter.retry", Target.FILTER, TaskActions.RETRY),
        FILTER_CANCEL("filter.cancel", Target.FILTER, TaskActions.CANCEL),
        FILTER_DELETE("filter.delete", Target.FILTER, TaskActions.DELETE),
        QUEUE_PAUSE("queue.pause", Target.QUEUE, null),
        QUEUE_RESUME("queue.resume", Target.QUEUE, null),
        WORKER_PAUSE("worker.pause", Target.WORKER, null),
        WORKER_RESUME("worker.resume", Target.WORKER, null),
        SCHEDULE_PAUSE("schedule.pause", Target.SCHEDULE, null),
        SCHEDULE_RESUME("schedule.resume", Target.SCHEDULE, null),
        SCHEDULE_TRIGGER("schedule.trigger", Target.SCHEDULE, null);

        final String code;

        final Target target;

        final @Nullable TaskActions taskAction;

        Kind(String code, Target target, @Nullable TaskActions taskAction) {
            this.code = code;
            this.target = target;
            this.taskAction = taskAction;
        }

        /** The verb: retry, cancel, delete, pause, resume, trigger. */
        String verb() {
            return this.code.substring(this.code.indexOf('.') + 1);
        }
    }
}
