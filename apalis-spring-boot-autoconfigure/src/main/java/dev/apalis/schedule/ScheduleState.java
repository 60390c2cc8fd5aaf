package dev.apalis.schedule;

import java.time.Instant;

import dev.apalis.task.TaskId;
import dev.apalis.task.TaskStatus;

/**
 * A stored schedule and where it stands.
 *
 * @param schedule the schedule as stored
 * @param paused whether an operator paused it (it keeps its definition and does not fire)
 * @param declared whether it comes from a declaration (annotation, configuration) rather than from
 * code at run time; declared schedules that are no longer declared get disabled
 * @param nextRunAt its next slot, or {@code null} while it is disabled or paused
 * @param lastSlotAt the slot of its last pushed task, or {@code null} if none yet
 * @param lastTaskId its last pushed task (a slot or a trigger), or {@code null}
 * @param lastTaskStatus the status of that task, or {@code null} if none or already deleted by retention
 */
public record ScheduleState(Schedule schedule, boolean paused, boolean declared, Instant nextRunAt, Instant lastSlotAt,
        TaskId lastTaskId, TaskStatus lastTaskStatus) {

    /** The schedule's name. */
    public String name() {
        return schedule.name();
    }

    /** Whether it fires: enabled and not paused. */
    public boolean active() {
        return schedule.enabled() && !paused;
    }
}
