package dev.apalis.schedule;

import java.time.Clock;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Objects;

import org.springframework.scheduling.support.CronExpression;

/**
 * The slots of a cron expression in a time zone, as instants. A slot is a wall-clock time that the
 * expression matches; each fires once, at one instant:
 * <ul>
 * <li>a wall-clock time that exists once fires then;</li>
 * <li>a wall-clock time that does not exist (clocks move forward, for example 02:30 on the night
 * Europe/Berlin goes from 02:00 to 03:00) fires once at the first instant after it, the end of the
 * gap (03:00 there); slots that land on the same instant that way fire once, so an hourly schedule
 * fires at 01:00, 03:00 and 04:00 that night;</li>
 * <li>a wall-clock time that exists twice (clocks move back, for example 02:30 on the night
 * America/New_York goes from 02:00 back to 01:00) fires once, at its first occurrence; its second
 * occurrence is not a new slot, so an hourly schedule fires 01:00 once and a schedule every 10 minutes
 * pauses through the repeated hour. Schedules that must tick at a fixed rate across such nights
 * belong in a zone without daylight saving, such as UTC.</li>
 * </ul>
 * Immutable and thread-safe.
 */
public final class CronSlots {

    private final CronExpression expression;

    private final ZoneId zone;

    private final ZoneRules rules;

    /**
     * @param expression the parsed expression
     * @param zone the zone its wall-clock times are in
     */
    public CronSlots(CronExpression expression, ZoneId zone) {
        this.expression = Objects.requireNonNull(expression, "expression");
        this.zone = Objects.requireNonNull(zone, "zone");
        this.rules = zone.getRules();
    }

    /**
     * Parses a cron expression with a message that names the schedule.
     * @param name the schedule's name, for the message
     * @param cron the expression
     * @return the parsed expression
     * @throws IllegalArgumentException if it does not parse
     */
    static CronExpression parse(String name, String cron) {
        try {
            return CronExpression.parse(cron);
        }
        catch (IllegalArgumentException ex) {
            throw new IllegalArgumentException("Invalid cron expression '" + cron + "' of schedule '" + name + "': "
                    + ex.getMessage() + ". Use Spring's CronExpression syntax: six fields (second minute hour "
                    + "day-of-month month day-of-week), such as '0 30 2 * * *', or a macro such as @daily", ex);
        }
    }

    /**
     * The first slot that fires strictly after an instant.
     * @param after the instant
     * @return the slot's fire time, or {@code null} if the expression never matches again
     */
    public Instant next(Instant after) {
        LocalDateTime cursor = LocalDateTime.ofInstant(after, zone);
        // the wall clock can read earlier than a slot already fired (clocks moved back), hence the loop
        for (int i = 0; i < 10_000; i++) {
            LocalDateTime slot = expression.next(cursor);
            if (slot == null) {
                return null;
            }
            Instant at = fireTime(slot);
            if (at.isAfter(after)) {
                return at;
            }
            cursor = slot;
        }
        throw new IllegalStateException("No slot of '" + expression + "' in " + zone + " after " + after);
    }

    /**
     * The first slot that fires strictly after the clock's present instant.
     * @param clock the clock
     * @return the slot's fire time, or {@code null} if the expression never matches again
     */
    public Instant next(Clock clock) {
        return next(clock.instant());
    }

    /**
     * The slots from {@code first} (a slot, included) up to {@code until} (included), the most recent
     * {@code limit} of them.
     * @param first a slot's fire time
     * @param until the last instant to include
     * @param limit how many to return at most (the most recent ones)
     * @return the slots in order, and how many were left out before them
     */
    public Due due(Instant first, Instant until, int limit) {
        Deque<Instant> kept = new ArrayDeque<>();
        long dropped = 0;
        for (Instant slot = first; slot != null && !slot.isAfter(until); slot = next(slot)) {
            kept.addLast(slot);
            if (kept.size() > limit) {
                kept.removeFirst();
                dropped++;
            }
        }
        return new Due(List.copyOf(kept), dropped);
    }

    /** The instant a wall-clock slot fires at, by the rules in the class description. */
    Instant fireTime(LocalDateTime slot) {
        List<java.time.ZoneOffset> offsets = rules.getValidOffsets(slot);
        if (offsets.isEmpty()) {
            ZoneOffsetTransition gap = rules.getTransition(slot);
            return gap.getInstant();
        }
        return slot.atOffset(offsets.get(0)).toInstant();
    }

    /** The zone. */
    public ZoneId zone() {
        return zone;
    }

    @Override
    public String toString() {
        return expression + " in " + zone;
    }

    /**
     * Slots that are due.
     *
     * @param slots the slots, oldest first
     * @param leftOut how many older slots were left out by the limit
     */
    public record Due(List<Instant> slots, long leftOut) {
    }
}
