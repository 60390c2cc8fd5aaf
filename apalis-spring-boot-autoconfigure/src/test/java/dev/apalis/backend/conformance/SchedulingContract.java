package dev.apalis.backend.conformance;

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
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import dev.apalis.schedule.CatchUp;
import dev.apalis.schedule.Overlap;
import dev.apalis.schedule.Schedule;
import dev.apalis.schedule.ScheduleStore;
import dev.apalis.schedule.SchedulingBackend;
import dev.apalis.schedule.SlotEvent;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskStatus;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a {@link SchedulingBackend} does: each due slot is pushed once however many nodes fire rounds at
 * once, and a schedule can be paused on every node, triggered, resumed and deleted.
 */
public interface SchedulingContract extends BackendFixture {

    /**
     * The backend's schedule store; skips the test when it keeps no schedules.
     * @return the store
     */
    private ScheduleStore schedules() {
        Assumptions.assumeTrue(backend() instanceof SchedulingBackend, "the backend keeps no schedules");
        return ((SchedulingBackend) backend()).schedules();
    }

    /**
     * The other node's schedule store.
     * @return the store
     */
    private ScheduleStore otherSchedules() {
        return ((SchedulingBackend) peer()).schedules();
    }

    @Test
    default void eachDueSlotIsPushedOnceHoweverManyNodesFireRounds() throws Exception {
        ScheduleStore store = schedules();
        String queue = queue("every-second");
        store.save(Schedule.of(queue, "* * * * * *", queue).withZone(ZoneOffset.UTC).withOverlap(Overlap.ALLOW)
            .withCatchUp(CatchUp.ALL));
        elapse(Duration.ofMillis(2500));

        List<SlotEvent> events = new CopyOnWriteArrayList<>();
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService threads = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> rounds = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                ScheduleStore node = (i % 2 == 0) ? store : otherSchedules();
                rounds.add(threads.submit(() -> {
                    go.await();
                    for (int round = 0; round < 3; round++) {
                        events.addAll(node.fireDue());
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> round : rounds) {
                round.get(60, TimeUnit.SECONDS);
            }
        }
        finally {
            threads.shutdownNow();
        }

        List<SlotEvent> pushed = events.stream()
            .filter((event) -> event.schedule().equals(queue) && event.taskId() != null)
            .toList();
        List<Instant> slots = pushed.stream().map(SlotEvent::slot).toList();
        assertThat(slots).as("slots due after 2.5 s of a schedule of every second").hasSizeGreaterThanOrEqualTo(2)
            .doesNotHaveDuplicates();
        assertThat(pushed).extracting(SlotEvent::taskId).doesNotHaveDuplicates()
            .allSatisfy((id) -> assertThat(task(id).queue()).isEqualTo(queue));
        assertThat(backend().countByQueueAndStatus().stream().filter((count) -> count.queue().equals(queue))
            .mapToLong((count) -> count.count()).sum()).as("one task per pushed slot").isEqualTo(pushed.size());
        assertThat(store.find(queue).orElseThrow().nextRunAt()).as("the next slot is stored")
            .isAfter(slots.stream().max(Instant::compareTo).orElseThrow());
    }

    @Test
    default void aScheduleIsPausedOnEveryNodeTriggeredResumedAndDeleted() {
        ScheduleStore store = schedules();
        String queue = queue("yearly");
        store.save(Schedule.of(queue, "0 0 0 1 1 *", queue).withZone(ZoneOffset.UTC));
        assertThat(store.find(queue)).hasValueSatisfying((state) -> assertThat(state.active()).isTrue());

        assertThat(store.pause(queue)).isTrue();
        assertThat(otherSchedules().find(queue)).hasValueSatisfying((state) -> assertThat(state.paused()).isTrue());
        TaskId triggered = store.trigger(queue).orElseThrow();
        assertThat(task(triggered).queue()).isEqualTo(queue);
        assertThat(task(triggered).status()).isEqualTo(TaskStatus.PENDING);

        assertThat(otherSchedules().resume(queue)).isTrue();
        assertThat(store.find(queue)).hasValueSatisfying((state) -> assertThat(state.active()).isTrue());
        assertThat(store.list()).extracting((state) -> state.name()).contains(queue);

        assertThat(store.delete(queue)).isTrue();
        assertThat(store.find(queue)).isEmpty();
        assertThat(store.pause(queue)).isFalse();
        assertThat(store.trigger(queue)).isEmpty();
        assertThat(task(triggered).status()).as("its pushed task stays").isEqualTo(TaskStatus.PENDING);
    }
}
