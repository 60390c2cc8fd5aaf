package dev.apalis.spring.boot.metrics;

import java.time.Duration;
import java.time.Instant;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import dev.apalis.spring.TestWorkers;
import dev.apalis.spring.WorkerActivity;
import dev.apalis.task.TaskId;
import dev.apalis.worker.WorkerEvent;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One gauge per worker and state, 1 for the state the worker is in.
 */
class WorkerStateMetricsTests {

    private final TestWorkers workers = new TestWorkers();

    private final WorkerActivity activity = new WorkerActivity(this.workers);

    private final WorkerStateMetrics metrics = new WorkerStateMetrics(this.activity);

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @Test
    void aStartedWorkerHasOneGaugePerStateAndOnlyItsStateReadsOne() {
        this.metrics.bindTo(this.registry);
        TestWorkers.FakeWorker email = this.workers.running("email");
        this.metrics.onEvent(email, new WorkerEvent.Start("email", Instant.now()));

        assertThat(this.registry.find(WorkerStateMetrics.METER_NAME).tag("worker", "email").gauges()).hasSize(4)
            .allSatisfy((gauge) -> assertThat(gauge.getId().getTag("queue")).isEqualTo("email"));
        assertThat(states("email")).containsExactly(1.0, 0.0, 0.0, 0.0);

        email.pause();
        assertThat(states("email")).containsExactly(0.0, 1.0, 0.0, 0.0);

        email.resume();
        this.activity.onEvent(email, new WorkerEvent.Error("email", Instant.now(), new IllegalStateException()));
        assertThat(states("email")).containsExactly(0.0, 0.0, 1.0, 0.0);

        email.stop();
        assertThat(states("email")).containsExactly(0.0, 0.0, 0.0, 1.0);
    }

    @Test
    void stuckHandlersAreCountedPerWorker() {
        this.metrics.bindTo(this.registry);
        TestWorkers.FakeWorker email = this.workers.running("email");
        this.metrics.onEvent(email, new WorkerEvent.Start("email", Instant.now()));
        assertThat(stuck("email")).isZero();

        this.activity.onEvent(email, new WorkerEvent.TaskStuck("email", Instant.now(), TaskId.next(), "email", 1,
                Duration.ofSeconds(2)));

        assertThat(stuck("email")).isEqualTo(1.0);
        assertThat(this.activity.stuckHandlers("email")).isOne();
    }

    private double stuck(String worker) {
        return this.registry.get(WorkerStateMetrics.STUCK_METER_NAME).tag("worker", worker).tag("queue", worker)
            .functionCounter().count();
    }

    @Test
    void workersThatStartedBeforeBindingGetTheirGaugesWhenBound() {
        TestWorkers.FakeWorker email = this.workers.running("email");
        this.metrics.onEvent(email, new WorkerEvent.Start("email", Instant.now()));
        this.workers.define("disabled", false);

        this.metrics.bindTo(this.registry);

        assertThat(states("email")).containsExactly(1.0, 0.0, 0.0, 0.0);
        assertThat(this.registry.find(WorkerStateMetrics.METER_NAME).tag("worker", "disabled").gauges()).isEmpty();
    }

    private double[] states(String worker) {
        return new double[] { state(worker, "running"), state(worker, "paused"), state(worker, "failing"),
                state(worker, "stopped") };
    }

    private double state(String worker, String state) {
        return this.registry.get(WorkerStateMetrics.METER_NAME).tag("worker", worker).tag("state", state).gauge().value();
    }
}
