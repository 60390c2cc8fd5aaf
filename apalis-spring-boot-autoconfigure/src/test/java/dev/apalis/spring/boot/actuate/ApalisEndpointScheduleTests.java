package dev.apalis.spring.boot.actuate;

import java.time.ZoneOffset;

import org.junit.jupiter.api.Test;

import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;

import dev.apalis.backend.memory.MemoryStorage;
import dev.apalis.schedule.Schedule;
import dev.apalis.spring.TestWorkers;
import dev.apalis.spring.WorkerActivity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The schedules section of the {@code apalis} endpoint: list, show, pause, resume, trigger.
 */
class ApalisEndpointScheduleTests {

    private final MemoryStorage storage = new MemoryStorage();

    private final TestWorkers workers = new TestWorkers();

    private final ApalisEndpoint endpoint = new ApalisEndpoint(this.storage, this.workers,
            new WorkerActivity(this.workers));

    @Test
    void listsShowsPausesResumesAndTriggersSchedules() {
        storage.schedules().save(Schedule.of("nightly", "0 30 2 * * *", "reports").withZone(ZoneOffset.UTC));
        ScheduleDescriptor.Schedules all = (ScheduleDescriptor.Schedules) endpoint.section("schedules");
        assertThat(all.schedules()).extracting(ScheduleDescriptor::name).containsExactly("nightly");
        ScheduleDescriptor nightly = (ScheduleDescriptor) endpoint.item("schedules", "nightly", null, null, null);
        assertThat(nightly.cron()).isEqualTo("0 30 2 * * *");
        assertThat(nightly.zone()).isEqualTo("Z");
        assertThat(nightly.nextRunAt()).isNotNull();
        assertThat(nightly.lastTaskId()).isNull();

        assertThat(endpoint.act("schedules", "nightly", "pause", null).applied()).isTrue();
        assertThat(((ScheduleDescriptor) endpoint.item("schedules", "nightly", null, null, null)).paused()).isTrue();
        assertThat(endpoint.act("schedules", "nightly", "resume", null).message()).contains("not caught up");
        ApalisEndpoint.ActionDescriptor triggered = endpoint.act("schedules", "nightly", "trigger", null);
        assertThat(triggered.applied()).isTrue();
        assertThat(triggered.task().queue()).isEqualTo("reports");
        ScheduleDescriptor after = (ScheduleDescriptor) endpoint.item("schedules", "nightly", null, null, null);
        assertThat(after.lastTaskId()).isEqualTo(triggered.task().id());
        assertThat(after.lastTaskStatus()).isEqualTo("PENDING");
    }

    @Test
    void unknownSchedulesAndActions() {
        assertThat(endpoint.item("schedules", "none", null, null, null)).isNull();
        assertThat(endpoint.act("schedules", "none", "pause", null)).isNull();
        assertThatExceptionOfType(InvalidEndpointRequestException.class)
            .isThrownBy(() -> endpoint.act("schedules", "none", "explode", null));
    }
}
