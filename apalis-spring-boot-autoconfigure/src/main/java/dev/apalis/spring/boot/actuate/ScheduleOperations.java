package dev.apalis.spring.boot.actuate;

import java.util.Locale;
import java.util.Optional;

import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;

import dev.apalis.backend.Backend;
import dev.apalis.schedule.ScheduleStore;
import dev.apalis.schedule.SchedulingBackend;
import dev.apalis.task.TaskId;

/**
 * The schedule part of the {@code apalis} endpoint: list, show, pause, resume and trigger schedules,
 * cluster-wide (the changes are stored).
 */
final class ScheduleOperations {

    private final ScheduleStore store;

    ScheduleOperations(Backend backend) {
        this.store = (backend instanceof SchedulingBackend scheduling) ? scheduling.schedules() : null;
    }

    ScheduleDescriptor.Schedules list() {
        return new ScheduleDescriptor.Schedules(
                (store != null) ? store.list().stream().map(ScheduleDescriptor::of).toList() : java.util.List.of());
    }

    ScheduleDescriptor find(String name) {
        return (store != null) ? store.find(name).map(ScheduleDescriptor::of).orElse(null) : null;
    }

    /**
     * @return the result with {@code task} set to a triggered task, or {@code null} for an unknown schedule
     */
    ApalisEndpoint.ActionDescriptor act(String name, String action, ApalisEndpoint endpoint) {
        String verb = (action != null) ? action.trim().toLowerCase(Locale.ROOT) : "";
        if (!"pause".equals(verb) && !"resume".equals(verb) && !"trigger".equals(verb)) {
            throw new InvalidEndpointRequestException("Unknown schedule action '" + action + "': use pause, resume or "
                    + "trigger", "Unknown schedule action; use pause, resume or trigger");
        }
        if (store == null || store.find(name).isEmpty()) {
            return null;
        }
        switch (verb) {
            case "pause" -> {
                boolean applied = store.pause(name);
                return new ApalisEndpoint.ActionDescriptor(verb, applied, "Schedule '" + name + "' is paused on every "
                        + "node: it fires nothing until resumed", null, null);
            }
            case "resume" -> {
                boolean applied = store.resume(name);
                String next = store.find(name).map(state -> String.valueOf(state.nextRunAt())).orElse("none");
                return new ApalisEndpoint.ActionDescriptor(verb, applied, "Schedule '" + name + "' fires again from its "
                        + "next slot, " + next + "; the slots of the pause are not caught up", null, null);
            }
            default -> {
                Optional<TaskId> id = store.trigger(name);
                return new ApalisEndpoint.ActionDescriptor(verb, id.isPresent(), "Schedule '" + name + "' pushed task "
                        + id.map(TaskId::toString).orElse("(none)") + " now; its slots stay as they were", null,
                        id.map(taskId -> endpoint.task(taskId.toString())).orElse(null));
            }
        }
    }
}
