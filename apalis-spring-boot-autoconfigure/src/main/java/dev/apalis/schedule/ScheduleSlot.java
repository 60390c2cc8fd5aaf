package dev.apalis.schedule;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Optional;

import dev.apalis.task.TaskContext;

/**
 * The schedule slot a task was pushed for, read from its metadata: handlers call
 * {@link #of(TaskContext)} to learn which slot they run (for example the day a nightly report
 * covers), which may be well before the present time after a catch-up.
 *
 * @param schedule the schedule's name
 * @param at the slot's fire time (for a task triggered by hand, the time of the trigger)
 * @param triggered whether the task was triggered by hand rather than by a slot
 */
public record ScheduleSlot(String schedule, Instant at, boolean triggered) {

    /** The metadata key of the schedule's name. */
    public static final String SCHEDULE_KEY = "apalis.schedule";

    /** The metadata key of the slot's fire time (ISO-8601). */
    public static final String SLOT_KEY = "apalis.slot";

    /** The metadata key present (value {@code true}) on tasks triggered by hand. */
    public static final String TRIGGERED_KEY = "apalis.triggered";

    /**
     * The slot of the running task.
     * @param context the task's context
     * @return its slot, or empty if the task was not pushed by a schedule
     */
    public static Optional<ScheduleSlot> of(TaskContext context) {
        return of(context.metadata());
    }

    /**
     * The slot recorded in task metadata.
     * @param metadata the task's metadata
     * @return its slot, or empty if the task was not pushed by a schedule
     */
    public static Optional<ScheduleSlot> of(Map<String, String> metadata) {
        String name = metadata.get(SCHEDULE_KEY);
        String slot = metadata.get(SLOT_KEY);
        if (name == null || slot == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(new ScheduleSlot(name, Instant.parse(slot), "true".equals(metadata.get(TRIGGERED_KEY))));
        }
        catch (DateTimeParseException ex) {
            return Optional.empty();
        }
    }
}
