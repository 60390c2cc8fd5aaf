package dev.apalis.spring.boot.schedule;

import java.util.List;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import dev.apalis.schedule.SlotEvent;
import dev.apalis.schedule.SlotListener;

/**
 * Schedule meters: {@code apalis.schedule.slots} counts slots by schedule and outcome
 * ({@code fired}, {@code caught_up}, {@code skipped}); {@code apalis.schedule.lag} times how long
 * after its slot each task was pushed, by schedule. Only this node's rounds are counted.
 */
public final class ScheduleMetrics implements SlotListener {

    private final MeterRegistry registry;

    /**
     * @param registry where the meters go
     */
    public ScheduleMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void slots(List<SlotEvent> events) {
        for (SlotEvent event : events) {
            Counter.builder("apalis.schedule.slots")
                .description("Slots of schedules, by what became of them")
                .tag("schedule", event.schedule())
                .tag("outcome", event.outcome().name().toLowerCase(java.util.Locale.ROOT))
                .register(registry)
                .increment(event.count());
            if (event.outcome() != SlotEvent.Outcome.SKIPPED) {
                Timer.builder("apalis.schedule.lag")
                    .description("Time between a slot and the push of its task")
                    .tag("schedule", event.schedule())
                    .register(registry)
                    .record(event.lag());
            }
        }
    }
}
