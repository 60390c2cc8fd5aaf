package dev.apalis.spring.boot.metrics;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.apalis.backend.QueueCount;
import dev.apalis.backend.TaskInspector;
import dev.apalis.backend.memory.MemoryStorage;
import dev.apalis.task.NewTask;
import dev.apalis.task.Task;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskStatus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.awaitility.Awaitility.await;

/**
 * The queue depth gauges read a snapshot that one count query refreshes: reads never query, new
 * queues get gauges, emptied ones read 0, a failed count reads NaN.
 */
class QueueDepthMetricsTests {

    private final MemoryStorage storage = new MemoryStorage();

    private final CountingInspector inspector = new CountingInspector(this.storage);

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private QueueDepthMetrics metrics;

    @AfterEach
    void close() {
        if (this.metrics != null) {
            this.metrics.close();
        }
    }

    /** Binds with an interval long enough that only the first, immediate refresh runs by itself. */
    private QueueDepthMetrics bind() {
        this.metrics = new QueueDepthMetrics(this.inspector, Duration.ofHours(1));
        this.metrics.bindTo(this.registry);
        await().until(() -> this.inspector.calls.get() == 1);
        return this.metrics;
    }

    @Test
    void gaugesShowTheCountsOfEveryQueueAndStatusFromOneQueryPerRefresh() {
        push("email", 3);
        push("sms", 1);
        this.storage.claim("email", "w", 1);
        bind();

        for (int scrape = 0; scrape < 5; scrape++) {
            assertThat(depth("email", "pending")).isEqualTo(2);
            assertThat(depth("email", "running")).isEqualTo(1);
            assertThat(depth("email", "done")).isZero();
            assertThat(depth("sms", "pending")).isEqualTo(1);
        }
        assertThat(this.registry.find(QueueDepthMetrics.METER_NAME).gauges()).hasSize(10);
        assertThat(this.inspector.calls).hasValue(1);

        push("email", 2);
        assertThat(depth("email", "pending")).as("unchanged until the next refresh").isEqualTo(2);
        this.metrics.refresh();
        assertThat(depth("email", "pending")).isEqualTo(4);
        assertThat(this.inspector.calls).hasValue(2);
    }

    @Test
    void aQueueSeenForTheFirstTimeGetsItsGaugesAtTheNextRefresh() {
        bind();
        assertThat(this.registry.find(QueueDepthMetrics.METER_NAME).gauges()).isEmpty();

        push("reports", 2);
        this.metrics.refresh();

        assertThat(depth("reports", "pending")).isEqualTo(2);
        assertThat(this.registry.find(QueueDepthMetrics.METER_NAME).tag("queue", "reports").gauges()).hasSize(5);
    }

    @Test
    void aQueueThatEmptiesReadsZero() {
        this.inspector.rows.set(List.of(new QueueCount("gone", TaskStatus.PENDING, 7)));
        bind();
        assertThat(depth("gone", "pending")).isEqualTo(7);

        this.inspector.rows.set(List.of());
        this.metrics.refresh();

        assertThat(depth("gone", "pending")).isZero();
    }

    @Test
    void whileCountingFailsTheGaugesReadNaN() {
        push("email", 1);
        bind();
        // the first refresh runs on the metrics thread: let it register the queue before counts fail
        await().until(() -> this.registry.find(QueueDepthMetrics.METER_NAME).tag("queue", "email").gauge() != null);
        this.inspector.failure.set(new IllegalStateException("database down"));

        assertThatIllegalStateException().isThrownBy(this.metrics::refresh);
        assertThat(depth("email", "pending")).isNaN();

        this.inspector.failure.set(null);
        this.metrics.refresh();
        assertThat(depth("email", "pending")).isEqualTo(1);
    }

    @Test
    void refreshesRunByThemselvesEveryInterval() {
        this.metrics = new QueueDepthMetrics(this.inspector, Duration.ofMillis(50));
        this.metrics.bindTo(this.registry);

        await().until(() -> this.inspector.calls.get() >= 3);
        this.metrics.close();
        int afterClose = this.inspector.calls.get();
        await().during(Duration.ofMillis(300)).until(() -> this.inspector.calls.get() <= afterClose + 1);
    }

    private void push(String queue, int count) {
        for (int i = 0; i < count; i++) {
            this.storage.push(new NewTask(queue, "{}", null));
        }
    }

    private double depth(String queue, String status) {
        Gauge gauge = this.registry.get(QueueDepthMetrics.METER_NAME).tag("queue", queue).tag("status", status).gauge();
        return gauge.value();
    }

    /** Counts the count queries; can answer given rows or fail. */
    static final class CountingInspector implements TaskInspector {

        final AtomicInteger calls = new AtomicInteger();

        final AtomicReference<List<QueueCount>> rows = new AtomicReference<>();

        final AtomicReference<RuntimeException> failure = new AtomicReference<>();

        private final TaskInspector delegate;

        CountingInspector(TaskInspector delegate) {
            this.delegate = delegate;
        }

        @Override
        public List<QueueCount> countByQueueAndStatus() {
            this.calls.incrementAndGet();
            RuntimeException ex = this.failure.get();
            if (ex != null) {
                throw ex;
            }
            List<QueueCount> given = this.rows.get();
            return (given != null) ? given : this.delegate.countByQueueAndStatus();
        }

        @Override
        public Optional<Task> find(TaskId id) {
            return this.delegate.find(id);
        }

        @Override
        public boolean retry(TaskId id) {
            return this.delegate.retry(id);
        }

        @Override
        public boolean cancel(TaskId id) {
            return this.delegate.cancel(id);
        }
    }
}
