package dev.apalis.spring.boot.actuate;

import java.time.Instant;
import java.util.List;

import org.springframework.boot.actuate.endpoint.OperationResponseBody;

import dev.apalis.schedule.ScheduleState;

/**
 * A schedule as the {@code apalis} endpoint shows it.
 *
 * @param name its name
 * @param cron its cron expression
 * @param zone its time zone
 * @param queue the queue its tasks go to
 * @param enabled whether it is enabled (declared schedules no longer declared are disabled)
 * @param paused whether an operator paused it
 * @param catchUp its catch-up policy
 * @param overlap its overlap policy
 * @param nextRunAt its next slot, or {@code null} while it does not fire
 * @param lastSlotAt the slot of its last pushed task, or {@code null}
 * @param lastTaskId its last pushed task, or {@code null}
 * @param lastTaskStatus that task's status, or {@code null} if none or no longer kept
 */
public record ScheduleDescriptor(String name, String cron, String zone, String queue, boolean enabled, boolean paused,
        String catchUp, String overlap, Instant nextRunAt, Instant lastSlotAt, String lastTaskId,
        String lastTaskStatus) implements OperationResponseBody {

    static ScheduleDescriptor of(ScheduleState state) {
        return new ScheduleDescriptor(state.name(), state.schedule().cron(), state.schedule().zone().getId(),
                state.schedule().queue(), state.schedule().enabled(), state.paused(), state.schedule().catchUp().name(),
                state.schedule().overlap().name(), state.nextRunAt(), state.lastSlotAt(),
                (state.lastTaskId() != null) ? state.lastTaskId().toString() : null,
                (state.lastTaskStatus() != null) ? state.lastTaskStatus().name() : null);
    }

    /**
     * Every schedule.
     * @param schedules the schedules, by name
     */
    public record Schedules(List<ScheduleDescriptor> schedules) implements OperationResponseBody {
    }
}
