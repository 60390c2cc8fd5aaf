package dev.apalis.observation;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.LongTaskTimer;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import org.junit.jupiter.api.Test;

import dev.apalis.task.TaskId;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The meters Micrometer's default meter handler makes of the {@code apalis.task} observation: a timer
 * {@code apalis.task} tagged worker, queue, outcome and error, and a long task timer
 * {@code apalis.task.active} tagged worker and queue. Names and tags as docs/observability.md lists them.
 */
class TaskObservationMetricsTests {

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    private final ObservationRegistry registry = ObservationRegistry.create();

    TaskObservationMetricsTests() {
        this.registry.observationConfig().observationHandler(new DefaultMeterObservationHandler(this.meters));
    }

    @Test
    void attemptsAreTimedByOutcome() throws InterruptedException {
        try (TaskRunner tasks = new TaskRunner(() -> {
        }, new ObservationTaskInterceptor(this.registry))) {
            TaskId ok = tasks.push("ok");
            TaskId retried = tasks.push("fail-once");
            TaskId killed = tasks.push("fail");
            TaskId aborted = tasks.push("abort");
            for (TaskId id : new TaskId[] { ok, retried, killed, aborted }) {
                tasks.awaitFinished(id);
            }
        }

        assertThat(timer("success", "none").count()).isEqualTo(2);
        assertThat(timer("failure", "IllegalStateException").count()).isEqualTo(2);
        assertThat(timer("killed", "IllegalStateException").count()).isEqualTo(1);
        assertThat(timer("killed", "AbortTaskException").count()).isEqualTo(1);
        assertThat(this.meters.find("apalis.task").timers()).hasSize(4)
            .allSatisfy((timer) -> assertThat(timer.getId().getTags()).extracting((tag) -> tag.getKey())
                .containsExactlyInAnyOrder("worker", "queue", "outcome", "error"));
        assertThat(timer("success", "none").getId().getBaseUnit()).isEqualTo("seconds");
    }

    @Test
    void attemptsInFlightAreALongTaskTimerTaggedByWorkerAndQueue() throws InterruptedException {
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try (TaskRunner tasks = new TaskRunner(() -> {
            running.countDown();
            try {
                release.await(10, TimeUnit.SECONDS);
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
        }, new ObservationTaskInterceptor(this.registry))) {
            TaskId id = tasks.push("ok");
            assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();

            LongTaskTimer active = this.meters.get("apalis.task.active").longTaskTimer();
            assertThat(Tags.of(active.getId().getTags())).isEqualTo(Tags.of("queue", "job-queue", "worker", "jobs"));
            assertThat(active.activeTasks()).isEqualTo(1);

            release.countDown();
            tasks.awaitFinished(id);
            await().untilAsserted(() -> assertThat(active.activeTasks()).isZero());
        }
    }

    @Test
    void noMeterCarriesATaskIdOrAttempt() throws InterruptedException {
        try (TaskRunner tasks = new TaskRunner(() -> {
        }, new ObservationTaskInterceptor(this.registry))) {
            tasks.awaitFinished(tasks.push("fail-once"));
        }
        for (Meter meter : this.meters.getMeters()) {
            assertThat(meter.getId().getTags()).extracting((tag) -> tag.getKey())
                .doesNotContain("task.id", "task.attempt");
        }
    }

    private Timer timer(String outcome, String error) {
        return this.meters.get("apalis.task")
            .tags("worker", "jobs", "queue", "job-queue", "outcome", outcome, "error", error)
            .timer();
    }
}
