package dev.apalis.schedule;

import java.time.Duration;
import java.time.ZoneId;
import java.util.Objects;

/**
 * A recurring task: at every slot of a cron expression, in a time zone, a task with a fixed payload is
 * pushed to a queue. Kept in the storage by name, so that it fires across restarts and exactly once
 * per slot however many nodes run ({@link ScheduleStore}).
 * <p>
 * The expression is Spring's {@code CronExpression}: six fields (second, minute, hour, day of month,
 * month, day of week) or a macro such as {@code @daily}. Slots are wall-clock times in the zone; for
 * the daylight-saving rules see {@link CronSlots}. Build one with {@link #of(String, String, String)}
 * and the {@code with...} methods; the defaults are the JVM's time zone, payload {@code {}}, enabled,
 * catch-up {@link CatchUp#LAST} with a limit of {@value #DEFAULT_CATCH_UP_LIMIT}, overlap
 * {@link Overlap#SKIP}.
 *
 * @param name the schedule's name, unique in the storage
 * @param cron the cron expression
 * @param zone the time zone its wall-clock times are in
 * @param queue the queue its tasks go to
 * @param payload the payload of its tasks, as JSON text
 * @param enabled whether it fires (a disabled schedule keeps its row and its history)
 * @param catchUp what happens to slots missed while no node could fire them
 * @param catchUpLimit how many missed slots {@link CatchUp#ALL} pushes at most
 * @param overlap whether a slot fires while the previous run is unfinished
 */
public record Schedule(String name, String cron, ZoneId zone, String queue, String payload, boolean enabled,
        CatchUp catchUp, int catchUpLimit, Overlap overlap) {

    /** The default of {@link #catchUpLimit()}. */
    public static final int DEFAULT_CATCH_UP_LIMIT = 100;

    /** The most a schedule's {@link #catchUpLimit()} may be. */
    public static final int MAX_CATCH_UP_LIMIT = 10_000;

    /** How late a slot may fire and still count as on time rather than missed. */
    public static final Duration ON_TIME = Duration.ofMinutes(1);

    /** The longest schedule name (it is a primary key and a metric tag). */
    public static final int MAX_NAME_LENGTH = 200;

    /**
     * @throws IllegalArgumentException naming the schedule and what to change, if the expression does not
     * parse, a name is blank or too long, the limit is out of range, or catch-up {@code ALL} is combined
     * with overlap {@code SKIP}
     */
    public Schedule {
        Objects.requireNonNull(name, "name");
        if (name.isBlank() || name.length() > MAX_NAME_LENGTH) {
            throw new IllegalArgumentException("A schedule name must be 1 to " + MAX_NAME_LENGTH
                    + " characters and not blank, was '" + name + "'");
        }
        Objects.requireNonNull(cron, () -> "the cron expression of schedule '" + name + "'");
        CronSlots.parse(name, cron);
        Objects.requireNonNull(zone, () -> "the time zone of schedule '" + name + "'");
        Objects.requireNonNull(queue, () -> "the queue of schedule '" + name + "'");
        if (queue.isBlank()) {
            throw new IllegalArgumentException("The queue of schedule '" + name + "' must not be blank");
        }
        Objects.requireNonNull(payload, () -> "the payload of schedule '" + name + "'");
        Objects.requireNonNull(catchUp, () -> "the catch-up policy of schedule '" + name + "'");
        Objects.requireNonNull(overlap, () -> "the overlap policy of schedule '" + name + "'");
        if (catchUpLimit < 1 || catchUpLimit > MAX_CATCH_UP_LIMIT) {
            throw new IllegalArgumentException("The catch-up limit of schedule '" + name + "' must be between 1 and "
                    + MAX_CATCH_UP_LIMIT + ", was " + catchUpLimit);
        }
        if (catchUp == CatchUp.ALL && overlap == Overlap.SKIP) {
            throw new IllegalArgumentException("Schedule '" + name + "' has catch-up ALL, which pushes every missed "
                    + "slot and so puts several runs in the queue at once, and overlap SKIP, which forbids that. "
                    + "Set overlap ALLOW, or catch-up LAST");
        }
    }

    /**
     * A schedule with the defaults.
     * @param name its name, unique in the storage
     * @param cron a cron expression, such as {@code 0 30 2 * * *} or {@code @daily}
     * @param queue the queue its tasks go to
     * @return the schedule
     * @throws IllegalArgumentException if the expression does not parse
     */
    public static Schedule of(String name, String cron, String queue) {
        return new Schedule(name, cron, ZoneId.systemDefault(), queue, "{}", true, CatchUp.LAST,
                DEFAULT_CATCH_UP_LIMIT, Overlap.SKIP);
    }

    /** This schedule with another expression. */
    public Schedule withCron(String cron) {
        return new Schedule(name, cron, zone, queue, payload, enabled, catchUp, catchUpLimit, overlap);
    }

    /** This schedule in another time zone. */
    public Schedule withZone(ZoneId zone) {
        return new Schedule(name, cron, zone, queue, payload, enabled, catchUp, catchUpLimit, overlap);
    }

    /** This schedule pushing to another queue. */
    public Schedule withQueue(String queue) {
        return new Schedule(name, cron, zone, queue, payload, enabled, catchUp, catchUpLimit, overlap);
    }

    /** This schedule with another payload, as JSON text. */
    public Schedule withPayload(String payload) {
        return new Schedule(name, cron, zone, queue, payload, enabled, catchUp, catchUpLimit, overlap);
    }

    /** This schedule enabled or disabled. */
    public Schedule withEnabled(boolean enabled) {
        return new Schedule(name, cron, zone, queue, payload, enabled, catchUp, catchUpLimit, overlap);
    }

    /** This schedule with another catch-up policy (the limit stays). */
    public Schedule withCatchUp(CatchUp catchUp) {
        return new Schedule(name, cron, zone, queue, payload, enabled, catchUp, catchUpLimit, overlap);
    }

    /** This schedule with another limit of missed slots pushed by {@link CatchUp#ALL}. */
    public Schedule withCatchUpLimit(int limit) {
        return new Schedule(name, cron, zone, queue, payload, enabled, catchUp, limit, overlap);
    }

    /** This schedule with another overlap policy. */
    public Schedule withOverlap(Overlap overlap) {
        return new Schedule(name, cron, zone, queue, payload, enabled, catchUp, catchUpLimit, overlap);
    }

    /** The slots of this schedule's expression in its zone. */
    public CronSlots slots() {
        return new CronSlots(CronSlots.parse(name, cron), zone);
    }
}
