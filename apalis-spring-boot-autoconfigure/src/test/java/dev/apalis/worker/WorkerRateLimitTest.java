package dev.apalis.worker;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.apalis.backend.QueueCount;
import dev.apalis.backend.memory.MemoryStorage;
import dev.apalis.task.TaskStatus;

import static dev.apalis.worker.WorkerTesting.eventually;
import static dev.apalis.worker.WorkerTesting.pushAll;
import static org.assertj.core.api.Assertions.assertThat;

class WorkerRateLimitTest {

    /**
     * A handler thread emits its start a little after the worker took the permit for it: on a loaded
     * 2-core machine the thread may wait tens of milliseconds to be scheduled. A missing limit (all
     * starts within milliseconds) or a doubled one (windows near zero or half the period) still fails.
     */
    private static final long START_JITTER_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final MemoryStorage storage = new MemoryStorage();

    private final WorkerTesting.Started started = new WorkerTesting.Started();

    @AfterEach
    void stopWorkers() throws InterruptedException {
        started.stopAll();
    }

    /**
     * Runs a few rate-limited tasks first, so that the first starts measured below are not late by
     * the JVM's first-use class loading on a handler thread.
     */
    @BeforeAll
    static void warmUp() throws InterruptedException {
        MemoryStorage warmUp = new MemoryStorage();
        pushAll(warmUp, "warm-up", 5);
        Recorder recorder = new Recorder();
        WorkerContext context = WorkerBuilder.named("warm-up").backend(warmUp).concurrency(2).prefetch(2)
            .rateLimit(100, Duration.ofSeconds(1)).onEvent(recorder).build(Integer.class, (n, ctx) -> { }).start();
        eventually().until(() -> recorder.of(WorkerEvent.TaskSucceeded.class).size() == 5);
        context.stop();
        assertThat(context.awaitTermination(Duration.ofSeconds(10))).isTrue();
    }

    /** With prefetch, claimed tasks wait for a slot; they must still take their permit when they start. */
    @ParameterizedTest(name = "concurrency {0}, prefetch {1}")
    @CsvSource({ "10, 0", "2, 4" })
    void atMostNTasksStartInAnyWindowOfThePeriod(int concurrency, int prefetch) {
        int permits = 3;
        Duration period = Duration.ofMillis(300);
        int tasks = 10;
        ConcurrentLinkedQueue<Long> starts = new ConcurrentLinkedQueue<>();
        pushAll(storage, "limited", tasks);
        started.start(WorkerBuilder.named("limited").backend(storage).concurrency(concurrency).prefetch(prefetch)
            .rateLimit(permits, period)
            .onEvent((context, event) -> {
                if (event instanceof WorkerEvent.TaskStarted) {
                    starts.add(System.nanoTime());
                }
            })
            .build(Integer.class, (n, ctx) -> { }));
        eventually().until(() -> storage.countByQueueAndStatus()
            .equals(List.of(new QueueCount("limited", TaskStatus.DONE, tasks))));

        List<Long> sorted = new ArrayList<>(starts);
        Collections.sort(sorted);
        assertThat(sorted).hasSize(tasks);
        long periodNanos = period.toNanos();
        for (int i = 0; i + permits < sorted.size(); i++) {
            long window = sorted.get(i + permits) - sorted.get(i);
            assertThat(window).as("starts %d to %d span at least the period", i, i + permits)
                .isGreaterThanOrEqualTo(periodNanos - START_JITTER_NANOS);
        }
        long span = sorted.get(tasks - 1) - sorted.get(0);
        long ideal = ((tasks - 1) / permits) * periodNanos;
        assertThat(span).as("not much slower than the limit allows")
            .isBetween(ideal - START_JITTER_NANOS, ideal + periodNanos + TimeUnit.SECONDS.toNanos(1));
    }
}
