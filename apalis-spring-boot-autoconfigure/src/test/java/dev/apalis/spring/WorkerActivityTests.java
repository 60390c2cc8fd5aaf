package dev.apalis.spring;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import dev.apalis.task.TaskId;
import dev.apalis.worker.WorkerEvent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/**
 * Counts and states from worker events.
 */
class WorkerActivityTests {

    private static final Instant NOW = Instant.parse("2030-01-01T12:00:00Z");

    private final AtomicReference<Instant> now = new AtomicReference<>(NOW);

    private final Clock clock = new Clock() {

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return WorkerActivityTests.this.now.get();
        }
    };

    private final TestWorkers workers = new TestWorkers();

    private final WorkerActivity activity = new WorkerActivity(this.workers, this.clock, Duration.ofSeconds(30));

    @Test
    void countsOutcomesOfAttemptsFromEvents() {
        TestWorkers.FakeWorker email = this.workers.running("email");
        email.setInFlight(2);
        TaskId a = TaskId.next();
        TaskId b = TaskId.next();
        emit(email, new WorkerEvent.TaskStarted("email", NOW, a, "email", 1));
        emit(email, new WorkerEvent.TaskSucceeded("email", NOW, a, "email", 1, Duration.ofMillis(5)));
        emit(email, new WorkerEvent.TaskFailed("email", NOW, b, "email", 1, Duration.ofMillis(5),
                new IllegalStateException(), NOW.plusSeconds(1)));
        emit(email, new WorkerEvent.TaskFailed("email", NOW, b, "email", 2, Duration.ofMillis(5),
                new IllegalStateException(), null));
        emit(email, new WorkerEvent.TaskKilled("email", NOW, b, "email", 2, "gave up"));

        WorkerStatus status = this.activity.status("email").orElseThrow();

        assertThat(status).isEqualTo(new WorkerStatus("email", "email", WorkerState.RUNNING, 4, 2, 3, 1, 2, 1, null,
                null));
    }

    @Test
    void statesFollowTheWorkersContext() {
        TestWorkers.FakeWorker running = this.workers.running("running");
        TestWorkers.FakeWorker paused = this.workers.running("paused");
        paused.pause();
        TestWorkers.FakeWorker stopped = this.workers.running("stopped");
        stopped.stop();
        this.workers.define("not-started", true).define("disabled", false);

        assertThat(this.activity.statuses()).extracting(WorkerStatus::name, WorkerStatus::state)
            .containsExactly(tuple("disabled", WorkerState.DISABLED),
                    tuple("not-started", WorkerState.STOPPED),
                    tuple("paused", WorkerState.PAUSED),
                    tuple("running", WorkerState.RUNNING),
                    tuple("stopped", WorkerState.STOPPED));
        assertThat(running.isRunning()).isTrue();
        assertThat(this.activity.status("unknown")).isEmpty();
    }

    @Test
    void aRecentErrorWithNoTaskStartedSinceIsFailingUntilTheWindowPasses() {
        TestWorkers.FakeWorker email = this.workers.running("email");
        emit(email, new WorkerEvent.Error("email", NOW, new IllegalStateException("connection refused")));

        assertThat(this.activity.state("email")).contains(WorkerState.FAILING);
        assertThat(this.activity.status("email").orElseThrow().lastError())
            .isEqualTo("java.lang.IllegalStateException: connection refused");

        this.now.set(NOW.plusSeconds(31));
        assertThat(this.activity.state("email")).contains(WorkerState.RUNNING);
        assertThat(this.activity.status("email").orElseThrow().lastErrorAt()).isEqualTo(NOW);
    }

    @Test
    void aTaskStartedAfterTheErrorEndsFailingAtOnce() {
        TestWorkers.FakeWorker email = this.workers.running("email");
        emit(email, new WorkerEvent.Error("email", NOW, new IllegalStateException("connection refused")));
        this.now.set(NOW.plusSeconds(1));
        emit(email, new WorkerEvent.TaskStarted("email", NOW.plusSeconds(1), TaskId.next(), "email", 1));

        assertThat(this.activity.state("email")).contains(WorkerState.RUNNING);
    }

    @Test
    void aPausedWorkerIsPausedEvenWhileFailing() {
        TestWorkers.FakeWorker email = this.workers.running("email");
        emit(email, new WorkerEvent.Error("email", NOW, new IllegalStateException("connection refused")));
        email.pause();

        assertThat(this.activity.state("email")).contains(WorkerState.PAUSED);
    }

    @Test
    void aLongErrorIsShortened() {
        TestWorkers.FakeWorker email = this.workers.running("email");
        emit(email, new WorkerEvent.Error("email", NOW, new IllegalStateException("x".repeat(1000))));

        assertThat(this.activity.status("email").orElseThrow().lastError()).hasSize(303).endsWith("...");
    }

    private void emit(TestWorkers.FakeWorker worker, WorkerEvent event) {
        this.activity.onEvent(worker, event);
    }
}
