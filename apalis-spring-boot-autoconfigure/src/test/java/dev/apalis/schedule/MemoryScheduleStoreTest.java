package dev.apalis.schedule;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;

import dev.apalis.backend.memory.MemoryStorage;
import dev.apalis.task.Task;
import dev.apalis.test.MutableClock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * The memory store on an injected clock: threads racing on rounds push each slot once; the catch-up
 * policies after five minutes in which no round ran; what a schedule refuses.
 */
class MemoryScheduleStoreTest {

    private final MutableClock clock = new MutableClock(Instant.parse("2026-06-01T10:00:00.500Z"));

    private final MemoryStorage storage = new MemoryStorage(clock, Duration.ofSeconds(30), 10_000);

    private final ScheduleStore store = storage.schedules();

    @Test
    void threadsRacingOnRoundsPushEachSlotOnce() throws Exception {
        store.save(Schedule.of("tick", "* * * * * *", "q").withZone(ZoneOffset.UTC).withOverlap(Overlap.ALLOW)
            .withCatchUp(CatchUp.ALL));
        List<SlotEvent> events = new CopyOnWriteArrayList<>();
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService threads = Executors.newFixedThreadPool(4);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> racers = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            racers.add(threads.submit(() -> {
                go.await();
                while (!stop.get()) {
                    events.addAll(store.fireDue());
                }
                return null;
            }));
        }
        go.countDown();
        for (int i = 0; i < 200; i++) {
            clock.advance(Duration.ofMillis(250));
            Thread.onSpinWait();
        }
        stop.set(true);
        for (Future<?> racer : racers) {
            racer.get();
        }
        threads.shutdown();
        events.addAll(store.fireDue());
        List<Instant> slots = events.stream().map(SlotEvent::slot).sorted().toList();
        assertThat(slots).hasSize(50).doesNotHaveDuplicates();
        for (int i = 1; i < slots.size(); i++) {
            assertThat(slots.get(i)).isEqualTo(slots.get(i - 1).plusSeconds(1));
        }
        assertThat(storage.countByQueueAndStatus()).singleElement().satisfies(count -> assertThat(count.count()).isEqualTo(50));
    }

    @Test
    void catchUpPoliciesAfterFiveMinutesWithoutARound() {
        for (CatchUp policy : CatchUp.values()) {
            store.save(Schedule.of(policy.name(), "0 * * * * *", policy.name()).withZone(ZoneOffset.UTC)
                .withOverlap(Overlap.ALLOW).withCatchUp(policy).withCatchUpLimit(3));
        }
        clock.advance(Duration.ofMinutes(5).plusSeconds(20)); // 10:05:20.5: slots 10:01 to 10:05 are due
        List<SlotEvent> events = store.fireDue();
        assertThat(pushed(events, "NONE")).containsExactly("2026-06-01T10:05:00Z");
        assertThat(pushed(events, "LAST")).containsExactly("2026-06-01T10:04:00Z", "2026-06-01T10:05:00Z");
        assertThat(pushed(events, "ALL")).containsExactly("2026-06-01T10:02:00Z", "2026-06-01T10:03:00Z",
                "2026-06-01T10:04:00Z", "2026-06-01T10:05:00Z");
        assertThat(skipped(events, "NONE")).isEqualTo(4);
        assertThat(skipped(events, "LAST")).isEqualTo(3);
        assertThat(skipped(events, "ALL")).isEqualTo(1);
        assertThat(events).filteredOn(e -> e.outcome() == SlotEvent.Outcome.CAUGHT_UP)
            .allMatch(e -> e.lag().compareTo(Schedule.ON_TIME) > 0);
        for (Task task : storage.find(events.get(0).taskId()).stream().toList()) {
            assertThat(ScheduleSlot.of(task.metadata())).isPresent();
        }
        assertThat(store.fireDue()).isEmpty();
        assertThat(store.untilNextDue()).contains(Duration.ofSeconds(39).plusMillis(500));
    }

    @Test
    void pauseIsNotDowntime() {
        store.save(Schedule.of("paused", "0 * * * * *", "q").withZone(ZoneOffset.UTC).withCatchUp(CatchUp.LAST));
        store.pause("paused");
        clock.advance(Duration.ofMinutes(10));
        assertThat(store.fireDue()).isEmpty();
        store.resume("paused");
        assertThat(store.fireDue()).isEmpty();
        assertThat(store.find("paused").orElseThrow().nextRunAt()).isEqualTo(Instant.parse("2026-06-01T10:11:00Z"));
    }

    @Test
    void invalidSchedulesAreRefusedWithWhatToChange() {
        assertThatIllegalArgumentException().isThrownBy(() -> Schedule.of("x", "0 0 25 * * *", "q"))
            .withMessageContaining("Invalid cron expression '0 0 25 * * *' of schedule 'x'")
            .withMessageContaining("six fields");
        assertThatIllegalArgumentException()
            .isThrownBy(() -> Schedule.of("x", "@daily", "q").withOverlap(Overlap.SKIP).withCatchUp(CatchUp.ALL))
            .withMessageContaining("Set overlap ALLOW");
        assertThatIllegalArgumentException().isThrownBy(() -> Schedule.of("x", "@daily", "q").withCatchUpLimit(0))
            .withMessageContaining("between 1 and 10000");
    }

    private static List<String> pushed(List<SlotEvent> events, String schedule) {
        return events.stream()
            .filter(e -> e.schedule().equals(schedule) && e.taskId() != null)
            .map(e -> e.slot().toString())
            .toList();
    }

    private static long skipped(List<SlotEvent> events, String schedule) {
        return events.stream()
            .filter(e -> e.schedule().equals(schedule) && e.outcome() == SlotEvent.Outcome.SKIPPED)
            .mapToLong(SlotEvent::count)
            .sum();
    }
}
