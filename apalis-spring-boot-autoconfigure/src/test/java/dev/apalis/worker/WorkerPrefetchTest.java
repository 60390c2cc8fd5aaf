package dev.apalis.worker;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import dev.apalis.backend.QueueCount;
import dev.apalis.backend.memory.MemoryStorage;
import dev.apalis.task.NewTask;
import dev.apalis.task.TaskOptions;
import dev.apalis.task.TaskStatus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Prefetch claims ahead of free slots but never runs more handlers than the concurrency: prefetched
 * tasks wait in memory, and go back to the queue when the worker stops.
 */
class WorkerPrefetchTest {

    @Test
    void prefetchedTasksWaitForAFreeSlot() throws Exception {
        MemoryStorage storage = new MemoryStorage();
        for (int n = 0; n < 10; n++) {
            storage.push(new NewTask("q", "{}", TaskOptions.defaults()));
        }
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger running = new AtomicInteger();
        AtomicInteger peak = new AtomicInteger();
        AtomicInteger started = new AtomicInteger();
        WorkerContext worker = WorkerBuilder.named("q")
            .backend(storage)
            .concurrency(2)
            .prefetch(3)
            .build(Map.class, (payload, context) -> {
                started.incrementAndGet();
                peak.accumulateAndGet(running.incrementAndGet(), Math::max);
                release.await();
                running.decrementAndGet();
            })
            .start();
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> running(storage) == 5);
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> started.get() == 2);
            release.countDown();
            await().atMost(Duration.ofSeconds(10)).until(() -> count(storage, TaskStatus.DONE) == 10);
            assertThat(peak.get()).isEqualTo(2);
        }
        finally {
            release.countDown();
            worker.stop();
            assertThat(worker.awaitTermination(Duration.ofSeconds(10))).isTrue();
        }
    }

    @Test
    void prefetchedTasksGoBackToTheQueueOnStop() throws Exception {
        MemoryStorage storage = new MemoryStorage();
        for (int n = 0; n < 10; n++) {
            storage.push(new NewTask("q", "{}", TaskOptions.defaults()));
        }
        CountDownLatch release = new CountDownLatch(1);
        WorkerContext worker = WorkerBuilder.named("q")
            .backend(storage)
            .concurrency(2)
            .prefetch(3)
            .build(Map.class, (payload, context) -> release.await())
            .start();
        await().atMost(Duration.ofSeconds(10)).until(() -> running(storage) == 5);
        worker.stop();
        release.countDown();
        assertThat(worker.awaitTermination(Duration.ofSeconds(10))).isTrue();
        assertThat(count(storage, TaskStatus.DONE)).isEqualTo(2);
        assertThat(count(storage, TaskStatus.PENDING)).isEqualTo(8);
        assertThat(running(storage)).isZero();
    }

    @Test
    void anUrgentTaskClaimedLaterStartsBeforeTasksClaimedAheadOfIt() throws Exception {
        MemoryStorage storage = new MemoryStorage();
        for (int n = 0; n < 5; n++) {
            storage.push(new NewTask("q", "{\"n\":" + n + "}", TaskOptions.defaults()));
        }
        CountDownLatch release = new CountDownLatch(1);
        List<Object> order = new CopyOnWriteArrayList<>();
        WorkerContext worker = WorkerBuilder.named("q")
            .backend(storage)
            .concurrency(1)
            .prefetch(8)
            .build(Map.class, (payload, context) -> {
                order.add(payload.get("n"));
                release.await();
            })
            .start();
        try {
            // One runs and four wait in the worker, claimed ahead; then an urgent task is pushed and claimed.
            await().atMost(Duration.ofSeconds(10)).until(() -> running(storage) == 5 && order.size() == 1);
            storage.push(new NewTask("q", "{\"n\":\"urgent\"}", TaskOptions.defaults().priority(-10)));
            await().atMost(Duration.ofSeconds(10)).until(() -> running(storage) == 6);
            release.countDown();
            await().atMost(Duration.ofSeconds(10)).until(() -> count(storage, TaskStatus.DONE) == 6);
            assertThat(order).hasSize(6);
            assertThat(order.get(1)).isEqualTo("urgent");
            assertThat(order.subList(2, 6)).containsExactly(1, 2, 3, 4);
        }
        finally {
            release.countDown();
            worker.stop();
            assertThat(worker.awaitTermination(Duration.ofSeconds(10))).isTrue();
        }
    }

    private static long running(MemoryStorage storage) {
        return count(storage, TaskStatus.RUNNING);
    }

    private static long count(MemoryStorage storage, TaskStatus status) {
        return storage.countByQueueAndStatus()
            .stream()
            .filter(count -> count.status() == status)
            .mapToLong(QueueCount::count)
            .sum();
    }
}
