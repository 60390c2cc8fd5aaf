package dev.apalis.docs;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;

import dev.apalis.backend.memory.MemoryStorage;
import dev.apalis.schedule.CatchUp;
import dev.apalis.schedule.Overlap;
import dev.apalis.schedule.Schedule;
import dev.apalis.schedule.ScheduleRunner;
import dev.apalis.schedule.ScheduleSlot;
import dev.apalis.schedule.ScheduleStore;
import dev.apalis.worker.Worker;
import dev.apalis.worker.WorkerBuilder;
import dev.apalis.worker.WorkerContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The plain-Java schedule example of {@code docs/schedules.md}, run on a {@link MemoryStorage}: a
 * worker fed by a schedule, the equivalent of apalis-cron.
 */
class ScheduleExamplesTest {

    record Tick(String source) {
    }

    @Test
    void aWorkerFedByASchedule() throws Exception {
        MemoryStorage storage = new MemoryStorage();
        List<Instant> slots = new CopyOnWriteArrayList<>();

        ScheduleStore schedules = storage.schedules();       // PostgresStorage has one too
        schedules.save(Schedule.of("heartbeat", "*/2 * * * * *", "heartbeat")
            .withZone(ZoneId.of("UTC"))
            .withPayload("{\"source\": \"cron\"}")
            .withOverlap(Overlap.ALLOW)
            .withCatchUp(CatchUp.NONE));

        Worker worker = WorkerBuilder.named("heartbeat")
                .backend(storage)
                .build(Tick.class, (tick, context) -> {
                    ScheduleSlot slot = ScheduleSlot.of(context).orElseThrow();
                    slots.add(slot.at());                     // the slot's time, not the time it runs
                });
        WorkerContext running = worker.start();
        ScheduleRunner runner = ScheduleRunner.start(schedules, events -> { }); // one per process

        await().atMost(Duration.ofSeconds(15)).until(() -> slots.size() >= 2);
        runner.close();
        running.stop();
        assertThat(slots.get(1)).isEqualTo(slots.get(0).plusSeconds(2));
    }
}
