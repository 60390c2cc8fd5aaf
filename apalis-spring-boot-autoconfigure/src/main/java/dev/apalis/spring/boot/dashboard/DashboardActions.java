package dev.apalis.spring.boot.dashboard;

import java.util.Optional;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import org.springframework.context.ApplicationEventPublisher;

import dev.apalis.schedule.ScheduleStore;
import dev.apalis.spring.TaskOperator;
import dev.apalis.spring.Workers;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskStatus;
import dev.apalis.worker.WorkerContext;

/**
 * Says what an action will touch, then does it: through the {@link TaskOperator} (every correction
 * guarded by the status it expects; corrections of a whole status in batches, in constant memory),
 * the {@link Workers} of this node and the schedule store. Each action done is published as a
 * {@link DashboardActionEvent} and logged at INFO on {@code dev.apalis.dashboard}.
 */
final class DashboardActions {

    /** The logger every action is written to. */
    static final String LOGGER = "dev.apalis.dashboard";

    private static final Log logger = LogFactory.getLog(LOGGER);

    private final TaskOperator operator;

    private final Workers workers;

    private final @Nullable ScheduleStore schedules;

    private final QueueSummaries queues;

    private final ApplicationEventPublisher events;

    DashboardActions(TaskOperator operator, Workers workers, @Nullable ScheduleStore schedules, QueueSummaries queues,
            ApplicationEventPublisher events) {
        this.operator = operator;
        this.workers = workers;
        this.schedules = schedules;
        this.queues = queues;
        this.events = events;
    }

    /**
     * What the action will touch, in a sentence for the confirmation page: "Retry about 12,345 KILLED
     * tasks of queue email".
     */
    String preview(DashboardAction action) {
        DashboardAction.Kind kind = action.kind();
        String verb = capitalized(kind.verb());
        return switch (kind.target) {
            case TASK -> verb + " task " + action.ids().get(0) + ".";
            case SELECTION -> verb + " the " + Format.count(action.ids().size()) + " selected task"
                    + ((action.ids().size() == 1) ? "" : "s") + ((action.queue() != null) ? " of queue " + action.queue() : "")
                    + ". Tasks that moved on meanwhile (to a status the action does not apply to) are left alone.";
            case FILTER -> {
                long count = this.queues.one(action.queue()).count(action.status());
                String amount = (count > QueueSummaries.EXACT_UP_TO) ? "about " + Format.count(count) : Format.count(count);
                yield verb + " " + amount + " " + action.status().name() + " task" + ((count == 1) ? "" : "s")
                        + " in queue " + action.queue() + ": every task in that status when it runs, in batches of "
                        + "1,000, including any that arrive meanwhile.";
            }
            case QUEUE -> verb + " queue " + action.queue() + " on every node"
                    + ((kind == DashboardAction.Kind.QUEUE_PAUSE)
                            ? ": no worker of any node claims its tasks until it is resumed; tasks in flight finish."
                            : ": its workers on every node claim tasks again.");
            case WORKER -> verb + " worker " + action.worker() + " on this node only"
                    + ((kind == DashboardAction.Kind.WORKER_PAUSE) ? ": it claims nothing until resumed." : ".");
            case SCHEDULE -> (kind == DashboardAction.Kind.SCHEDULE_TRIGGER)
                    ? "Push a task of schedule " + action.schedule() + " now; its slots stay as they are."
                    : verb + " schedule " + action.schedule() + " on every node.";
        };
    }

    /**
     * Does the action, publishes its event and logs it.
     * @param action the action
     * @param user who asks
     * @return what was done
     */
    Outcome run(DashboardAction action, String user) {
        Outcome outcome = execute(action);
        String target = target(action);
        logger.info("Dashboard action by " + user + ": " + action.kind().code + " on " + target + ": " + outcome.changed()
                + " changed");
        this.events.publishEvent(new DashboardActionEvent(this, user, action.kind().code, target, action.ids(),
                action.queue(), action.status(), outcome.changed()));
        return outcome;
    }

    private Outcome execute(DashboardAction action) {
        DashboardAction.Kind kind = action.kind();
        switch (kind.target) {
            case TASK, SELECTION -> {
                long changed = 0;
                for (TaskId id : action.ids()) {
                    if (apply(kind.taskAction, id)) {
                        changed++;
                    }
                }
                int asked = action.ids().size();
                String message = capitalized(past(kind.taskAction)) + " " + Format.count(changed) + " of "
                        + Format.count(asked) + " task" + ((asked == 1) ? "" : "s") + "."
                        + ((changed < asked) ? " The others were in a status the action does not apply to ("
                                + statuses(kind.taskAction) + "), or are gone." : "");
                return new Outcome(message, changed);
            }
            case FILTER -> {
                TaskStatus status = action.status();
                long changed = switch (kind.taskAction) {
                    case RETRY -> this.operator.retryAll(action.queue(), status);
                    case CANCEL -> this.operator.cancelAll(action.queue(), status);
                    case DELETE -> this.operator.deleteAll(action.queue(), status);
                };
                return new Outcome(capitalized(past(kind.taskAction)) + " " + Format.count(changed) + " " + status.name()
                        + " task" + ((changed == 1) ? "" : "s") + " of queue " + action.queue() + ".", changed);
            }
            case QUEUE -> {
                boolean pause = kind == DashboardAction.Kind.QUEUE_PAUSE;
                boolean changed = pause ? this.operator.pause(action.queue(), "dashboard")
                        : this.operator.resume(action.queue(), "dashboard");
                return new Outcome(changed
                        ? "Queue " + action.queue() + " is " + (pause ? "paused on every node." : "running again on every node.")
                        : "Queue " + action.queue() + " was already " + (pause ? "paused" : "running") + ": nothing changed.",
                        changed ? 1 : 0);
            }
            case WORKER -> {
                return worker(action.worker(), kind == DashboardAction.Kind.WORKER_PAUSE);
            }
            default -> {
                return schedule(action);
            }
        }
    }

    private boolean apply(TaskActions action, TaskId id) {
        return switch (action) {
            case RETRY -> this.operator.retry(id);
            case CANCEL -> this.operator.cancel(id);
            case DELETE -> this.operator.delete(id);
        };
    }

    private Outcome worker(String name, boolean pause) {
        Optional<WorkerContext> found = this.workers.find(name);
        if (found.isEmpty() || !found.get().isRunning()) {
            return new Outcome("Worker " + name + " does not run on this node: nothing changed.", 0);
        }
        WorkerContext context = found.get();
        if (context.isPaused() == pause) {
            return new Outcome("Worker " + name + " was already " + (pause ? "paused" : "running") + ": nothing changed.",
                    0);
        }
        if (pause) {
            context.pause();
        }
        else {
            context.resume();
        }
        return new Outcome("Worker " + name + " is " + (pause ? "paused on this node." : "running on this node."), 1);
    }

    private Outcome schedule(DashboardAction action) {
        String name = action.schedule();
        if (this.schedules == null || this.schedules.find(name).isEmpty()) {
            return new Outcome("There is no schedule " + name + ": nothing changed.", 0);
        }
        return switch (action.kind()) {
            case SCHEDULE_PAUSE -> new Outcome("Schedule " + name + " is paused on every node.",
                    this.schedules.pause(name) ? 1 : 0);
            case SCHEDULE_RESUME -> new Outcome("Schedule " + name + " fires again from its next slot; the slots of the "
                    + "pause are not caught up.", this.schedules.resume(name) ? 1 : 0);
            default -> {
                Optional<TaskId> pushed = this.schedules.trigger(name);
                yield new Outcome("Schedule " + name + " pushed task " + pushed.map(TaskId::toString).orElse("(none)")
                        + ".", pushed.isPresent() ? 1 : 0);
            }
        };
    }

    private static String target(DashboardAction action) {
        return switch (action.kind().target) {
            case TASK -> "task " + action.ids().get(0);
            case SELECTION -> action.ids().size() + " selected tasks " + action.ids();
            case FILTER -> "every " + action.status().name() + " task of queue " + action.queue();
            case QUEUE -> "queue " + action.queue();
            case WORKER -> "worker " + action.worker() + " on this node";
            case SCHEDULE -> "schedule " + action.schedule();
        };
    }

    private static String past(TaskActions action) {
        return switch (action) {
            case RETRY -> "retried";
            case CANCEL -> "cancelled";
            case DELETE -> "deleted";
        };
    }

    private static String statuses(TaskActions action) {
        return switch (action) {
            case RETRY -> "failed or killed";
            case CANCEL -> "pending or failed";
            case DELETE -> "done or killed";
        };
    }

    private static String capitalized(String text) {
        return Character.toUpperCase(text.charAt(0)) + text.substring(1);
    }

    /**
     * What an action did.
     * @param message what changed, in a sentence
     * @param changed how many things changed
     */
    record Outcome(String message, long changed) {
    }
}
