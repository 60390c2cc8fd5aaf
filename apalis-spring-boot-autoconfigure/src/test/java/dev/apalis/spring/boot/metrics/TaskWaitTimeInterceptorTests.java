package dev.apalis.spring.boot.metrics;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import dev.apalis.spring.TestWorkers;
import dev.apalis.task.TaskContext;
import dev.apalis.task.TaskId;
import dev.apalis.worker.WorkerContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The wait from due to start, per worker and queue.
 */
class TaskWaitTimeInterceptorTests {

    private static final Instant NOW = Instant.parse("2030-01-01T12:00:00Z");

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private final TaskWaitTimeInterceptor interceptor = new TaskWaitTimeInterceptor(this.registry, () -> NOW);

    private final TestWorkers.FakeWorker worker = new TestWorkers().running("email");

    @Test
    void recordsTheTimeSinceTheTaskWasDueBeforeTheAttemptRuns() throws Exception {
        AtomicBoolean recordedFirst = new AtomicBoolean();
        this.interceptor.intercept(context(NOW.minusMillis(2500)),
                () -> recordedFirst.set(timer().count() == 1));
        this.interceptor.intercept(context(NOW.minusMillis(500)), () -> {
        });

        assertThat(recordedFirst).isTrue();
        assertThat(timer().count()).isEqualTo(2);
        assertThat(timer().totalTime(TimeUnit.MILLISECONDS)).isEqualTo(3000);
        assertThat(timer().max(TimeUnit.MILLISECONDS)).isEqualTo(2500);
        assertThat(timer().getId().getBaseUnit()).isEqualTo("seconds");
    }

    @Test
    void aRunTimeInTheFutureRecordsZero() throws Exception {
        this.interceptor.intercept(context(NOW.plusSeconds(3)), () -> {
        });

        assertThat(timer().count()).isEqualTo(1);
        assertThat(timer().totalTime(TimeUnit.NANOSECONDS)).isZero();
    }

    private Timer timer() {
        return this.registry.get(TaskWaitTimeInterceptor.METER_NAME).tag("worker", "email").tag("queue", "email").timer();
    }

    private TaskContext context(Instant runAt) {
        WorkerContext workerContext = this.worker;
        return new TaskContext() {

            @Override
            public TaskId taskId() {
                return TaskId.next();
            }

            @Override
            public String queue() {
                return "email";
            }

            @Override
            public int attempt() {
                return 1;
            }

            @Override
            public int maxAttempts() {
                return 3;
            }

            @Override
            public Instant runAt() {
                return runAt;
            }

            @Override
            public Map<String, String> metadata() {
                return Map.of();
            }

            @Override
            public WorkerContext worker() {
                return workerContext;
            }

            @Override
            public <T> T data(Class<T> type) {
                throw new IllegalStateException();
            }
        };
    }
}
