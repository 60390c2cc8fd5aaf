package dev.apalis.schedule;

import java.time.Duration;
import java.time.Instant;

import dev.apalis.task.TaskId;

/**
 * What a round did with one slot of a schedule, for metrics and logs.
 *
 * @param schedule the schedule's name
 * @param queue the queue its tasks go to
 * @param slot the slot's fire time, or {@code null} for skipped slots
 * @param outcome what became of the slot
 * @param taskId the pushed task, or {@code null} if the slot was skipped
 * @param lag how long after the slot's fire time its task was pushed, by the store's clock (zero if skipped)
 * @param count how many slots this event stands for: 1 for a pushed slot, the number skipped in the round
 * for {@link Outcome#SKIPPED}
 */
public record SlotEvent(String schedule, String queue, Instant slot, Outcome outcome, TaskId taskId, Duration lag,
        long count) {

    /**
     * A pushed slot.
     * @param schedule the schedule's name
     * @param queue its queue
     * @param slot the slot's fire time
     * @param late whether it was a missed slot
     * @param taskId the pushed task
     * @param now when it was pushed, by the store's clock
     * @return the event
     */
    public static SlotEvent pushed(String schedule, String queue, Instant slot, boolean late, TaskId taskId, Instant now) {
        Duration lag = Duration.between(slot, now);
        return new SlotEvent(schedule, queue, slot, late ? Outcome.CAUGHT_UP : Outcome.FIRED, taskId,
                lag.isNegative() ? Duration.ZERO : lag, 1);
    }

    /**
     * Slots skipped in a round.
     * @param schedule the schedule's name
     * @param queue its queue
     * @param count how many
     * @return the event
     */
    public static SlotEvent skipped(String schedule, String queue, long count) {
        return new SlotEvent(schedule, queue, null, Outcome.SKIPPED, null, Duration.ZERO, count);
    }

    /** What became of a slot. */
    public enum Outcome {

        /** Pushed on time. */
        FIRED,

        /** Pushed late, as a missed slot the catch-up policy keeps. */
        CAUGHT_UP,

        /** Not pushed: the catch-up policy or the overlap policy dropped it. */
        SKIPPED
    }
}
