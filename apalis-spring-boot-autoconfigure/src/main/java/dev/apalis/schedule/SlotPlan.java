package dev.apalis.schedule;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * What one round does with a schedule whose slots are due: which slots it pushes, how many it skips,
 * and the schedule's next slot. The same rules for every store, so that they cannot drift apart:
 * <ul>
 * <li>slots at most {@link Schedule#ON_TIME} old are on time and fire, whatever the catch-up policy;</li>
 * <li>older slots were missed and follow the schedule's {@link CatchUp} policy;</li>
 * <li>with {@link Overlap#SKIP}, nothing fires while the previous run is unfinished, and at most one
 * slot (the latest chosen) fires otherwise.</li>
 * </ul>
 *
 * @param fire the slots to push, oldest first
 * @param caughtUp how many of them were missed slots
 * @param skipped how many due slots are not pushed
 * @param nextRunAt the first slot after the round's time, or {@code null} if there is none
 */
public record SlotPlan(List<Instant> fire, int caughtUp, long skipped, Instant nextRunAt) {

    /** Past this many missed slots, the enumeration jumps to the last minute of the outage. */
    static final int MAX_ENUMERATED = 100_000;

    /**
     * Plans a round.
     * @param schedule the schedule
     * @param first its first due slot (its stored next run time), not after {@code now}
     * @param now the round's time (the database's clock for the PostgreSQL store)
     * @param previousUnfinished whether the task of the schedule's previous run is unfinished
     * @return the plan
     */
    public static SlotPlan plan(Schedule schedule, Instant first, Instant now, boolean previousUnfinished) {
        CronSlots slots = schedule.slots();
        Instant cutoff = now.minus(Schedule.ON_TIME);
        int keep = switch (schedule.catchUp()) {
            case NONE -> 0;
            case LAST -> 1;
            case ALL -> schedule.catchUpLimit();
        };
        Deque<Instant> missed = new ArrayDeque<>();
        List<Instant> onTime = new ArrayList<>();
        long skipped = 0;
        int enumerated = 0;
        Instant slot = first;
        while (slot != null && !slot.isAfter(now)) {
            if (slot.isBefore(cutoff)) {
                missed.addLast(slot);
                if (missed.size() > keep) {
                    missed.removeFirst();
                    skipped++;
                }
                if (++enumerated == MAX_ENUMERATED) {
                    Instant jump = slots.next(cutoff.minus(Schedule.ON_TIME));
                    slot = (jump != null && jump.isAfter(slot)) ? jump : slots.next(slot);
                    continue;
                }
            }
            else {
                onTime.add(slot);
            }
            slot = slots.next(slot);
        }
        List<Instant> chosen = new ArrayList<>(missed);
        chosen.addAll(onTime);
        int caughtUp = missed.size();
        if (schedule.overlap() == Overlap.SKIP) {
            if (previousUnfinished) {
                return new SlotPlan(List.of(), 0, skipped + chosen.size(), slots.next(now));
            }
            if (chosen.size() > 1) {
                skipped += chosen.size() - 1;
                Instant latest = chosen.get(chosen.size() - 1);
                caughtUp = latest.isBefore(cutoff) ? 1 : 0;
                chosen = List.of(latest);
            }
        }
        return new SlotPlan(List.copyOf(chosen), caughtUp, skipped, slots.next(now));
    }
}
