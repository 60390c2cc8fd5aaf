package dev.apalis.schedule;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.apalis.backend.memory.MemoryStorage;
import dev.apalis.test.MutableClock;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The daylight-saving rules of {@link CronSlots}, on an injected clock: a slot that does not exist on
 * the wall clock fires once at the end of the gap, an ambiguous one fires once at its first
 * occurrence; in Europe/Berlin and America/New_York, for a daily 02:30 and an hourly schedule. Each
 * night is walked minute by minute through a {@link MemoryStorage}'s schedule rounds, so the test sees
 * what fires, not only what the arithmetic says.
 */
class DaylightSavingTest {

    static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

    static final ZoneId NEW_YORK = ZoneId.of("America/New_York");

    static final String DAILY_0230 = "0 30 2 * * *";

    static final String HOURLY = "0 0 * * * *";

    @Test
    void berlinSpringForwardFiresTheMissingDailySlotOnceAtTheEndOfTheGap() {
        // 2026-03-29: 02:00 CET becomes 03:00 CEST (01:00Z); 02:30 does not exist
        assertThat(fired(BERLIN, DAILY_0230, "2026-03-27T22:00:00Z", "2026-03-30T22:00:00Z")).containsExactly(
                "2026-03-28T01:30:00Z", "2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z");
    }

    @Test
    void berlinSpringForwardHourlyFiresOnceForTheMissingHour() {
        // 01:00 CET, then 02:00 (missing) and 03:00 CEST land on one instant and fire once, then 04:00 CEST
        assertThat(fired(BERLIN, HOURLY, "2026-03-28T23:30:00Z", "2026-03-29T02:30:00Z"))
            .containsExactly("2026-03-29T00:00:00Z", "2026-03-29T01:00:00Z", "2026-03-29T02:00:00Z");
    }

    @Test
    void berlinFallBackFiresTheAmbiguousDailySlotOnceAtItsFirstOccurrence() {
        // 2026-10-25: 03:00 CEST becomes 02:00 CET (01:00Z); 02:30 happens at 00:30Z and at 01:30Z
        assertThat(fired(BERLIN, DAILY_0230, "2026-10-23T22:00:00Z", "2026-10-26T22:00:00Z")).containsExactly(
                "2026-10-24T00:30:00Z", "2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z");
    }

    @Test
    void berlinFallBackHourlyFiresTheRepeatedHourOnce() {
        assertThat(fired(BERLIN, HOURLY, "2026-10-24T22:30:00Z", "2026-10-25T02:30:00Z"))
            .containsExactly("2026-10-24T23:00:00Z", "2026-10-25T00:00:00Z", "2026-10-25T02:00:00Z");
    }

    @Test
    void newYorkSpringForwardFiresTheMissingDailySlotOnceAtTheEndOfTheGap() {
        // 2026-03-08: 02:00 EST becomes 03:00 EDT (07:00Z)
        assertThat(fired(NEW_YORK, DAILY_0230, "2026-03-07T04:00:00Z", "2026-03-10T04:00:00Z")).containsExactly(
                "2026-03-07T07:30:00Z", "2026-03-08T07:00:00Z", "2026-03-09T06:30:00Z");
    }

    @Test
    void newYorkSpringForwardHourlyFiresOnceForTheMissingHour() {
        assertThat(fired(NEW_YORK, HOURLY, "2026-03-08T05:30:00Z", "2026-03-08T08:30:00Z"))
            .containsExactly("2026-03-08T06:00:00Z", "2026-03-08T07:00:00Z", "2026-03-08T08:00:00Z");
    }

    @Test
    void newYorkFallBackDailyAt0230IsNotAmbiguousAndFiresOnce() {
        // 2026-11-01: 02:00 EDT becomes 01:00 EST (06:00Z); the repeated hour is 01:00-01:59
        assertThat(fired(NEW_YORK, DAILY_0230, "2026-10-31T04:00:00Z", "2026-11-02T04:00:00Z"))
            .containsExactly("2026-10-31T06:30:00Z", "2026-11-01T07:30:00Z");
    }

    @Test
    void newYorkFallBackAmbiguousDailySlotFiresOnceAtItsFirstOccurrence() {
        assertThat(fired(NEW_YORK, "0 30 1 * * *", "2026-10-31T04:00:00Z", "2026-11-03T04:00:00Z")).containsExactly(
                "2026-10-31T05:30:00Z", "2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z");
    }

    @Test
    void newYorkFallBackHourlyFiresTheRepeatedHourOnce() {
        assertThat(fired(NEW_YORK, HOURLY, "2026-11-01T03:30:00Z", "2026-11-01T07:30:00Z"))
            .containsExactly("2026-11-01T04:00:00Z", "2026-11-01T05:00:00Z", "2026-11-01T07:00:00Z");
    }

    @Test
    void theArithmeticTakesAnInjectedClock() {
        MutableClock clock = new MutableClock(Instant.parse("2026-03-29T00:45:00Z"));
        CronSlots slots = Schedule.of("x", DAILY_0230, "q").withZone(BERLIN).slots();
        assertThat(slots.next(clock)).isEqualTo(Instant.parse("2026-03-29T01:00:00Z"));
        clock.set(Instant.parse("2026-10-25T00:45:00Z")); // 02:45 CEST, before the repeated 02:30 CET
        assertThat(slots.next(clock)).isEqualTo(Instant.parse("2026-10-26T01:30:00Z"));
    }

    /**
     * Walks a memory storage's clock a minute at a time from {@code from} to {@code to}, running a round
     * at each step, and returns the slots pushed.
     */
    private static List<String> fired(ZoneId zone, String cron, String from, String to) {
        MutableClock clock = new MutableClock(Instant.parse(from));
        MemoryStorage storage = new MemoryStorage(clock, Duration.ofSeconds(30), 1000);
        ScheduleStore store = storage.schedules();
        store.save(Schedule.of("night", cron, "q").withZone(zone).withOverlap(Overlap.ALLOW));
        List<String> slots = new ArrayList<>();
        Instant end = Instant.parse(to);
        while (clock.instant().isBefore(end)) {
            clock.advance(Duration.ofMinutes(1));
            for (SlotEvent event : store.fireDue()) {
                assertThat(event.outcome()).isEqualTo(SlotEvent.Outcome.FIRED);
                assertThat(event.lag()).isZero();
                slots.add(event.slot().toString());
            }
        }
        return slots;
    }
}
