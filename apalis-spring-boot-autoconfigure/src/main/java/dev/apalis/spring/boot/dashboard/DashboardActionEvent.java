package dev.apalis.spring.boot.dashboard;

import java.util.List;

import org.jspecify.annotations.Nullable;
import org.springframework.context.ApplicationEvent;

import dev.apalis.task.TaskId;
import dev.apalis.task.TaskStatus;

/**
 * Published after every action taken on the dashboard (and logged at INFO on the
 * {@code dev.apalis.dashboard} logger): who did what, to which tasks or filter, and how many things
 * it changed. Listen to it to keep an audit trail.
 */
public final class DashboardActionEvent extends ApplicationEvent {

    private static final long serialVersionUID = 1L;

    private final String user;

    private final String action;

    private final String target;

    private final List<TaskId> taskIds;

    private final @Nullable String queue;

    private final @Nullable TaskStatus status;

    private final long changed;

    /**
     * Creates the event.
     * @param source the dashboard
     * @param user who acted
     * @param action what they did: {@code task.retry}, {@code selection.cancel}, {@code filter.delete},
     * {@code queue.pause}, {@code worker.resume}, {@code schedule.trigger}, ...
     * @param target what it was done to, in words
     * @param taskIds the tasks named (one task or a selection), empty for a filter or another target
     * @param queue the queue of a filter or queue action, or {@code null}
     * @param status the status of a filter action, or {@code null}
     * @param changed how many tasks, queues, workers or schedules it changed
     */
    public DashboardActionEvent(Object source, String user, String action, String target, List<TaskId> taskIds,
            @Nullable String queue, @Nullable TaskStatus status, long changed) {
        super(source);
        this.user = user;
        this.action = action;
        this.target = target;
        this.taskIds = List.copyOf(taskIds);
        this.queue = queue;
        this.status = status;
        this.changed = changed;
    }

    /**
     * Who acted.
     * @return the user's name
     */
    public String getUser() {
        return this.user;
    }

    /**
     * What they did.
     * @return the action's code, such as {@code filter.retry}
     */
    public String getAction() {
        return this.action;
    }

    /**
     * What it was done to.
     * @return a description such as {@code every KILLED task of queue email}
     */
    public String getTarget() {
        return this.target;
    }

    /**
     * The tasks named by the action.
     * @return the ids; empty for a filter or a queue, worker or schedule action
     */
    public List<TaskId> getTaskIds() {
        return this.taskIds;
    }

    /**
     * The queue acted on.
     * @return the queue, or {@code null}
     */
    public @Nullable String getQueue() {
        return this.queue;
    }

    /**
     * The status of the filter acted on.
     * @return the status, or {@code null}
     */
    public @Nullable TaskStatus getStatus() {
        return this.status;
    }

    /**
     * How many things changed.
     * @return the count
     */
    public long getChanged() {
        return this.changed;
    }

    @Override
    public String toString() {
        return "DashboardActionEvent[user=" + this.user + ", action=" + this.action + ", target=" + this.target
                + ", changed=" + this.changed + "]";
    }
}
