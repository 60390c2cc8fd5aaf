package dev.apalis.worker;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.apalis.backend.Backend;
import dev.apalis.backend.Completion;
import dev.apalis.backend.ForwardingBackend;
import dev.apalis.backend.QueueCount;
import dev.apalis.backend.memory.MemoryStorage;
import dev.apalis.task.NewTask;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskStatus;

import static dev.apalis.worker.WorkerTesting.CODEC;
import static dev.apalis.worker.WorkerTesting.eventually;
import static dev.apalis.worker.WorkerTesting.pushAll;
import static org.assertj.core.api.Assertions.assertThat;

class WorkerConcurrencyTest {

    private final MemoryStorage storage = new MemoryStorage();

    private final WorkerTesting.Started started = new WorkerTesting.Started();

    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void stopWorkers() throws InterruptedException {
        release.countDown();
        started.stopAll();
    }

    /** Counts handlers running at once and remembers the peak. */
    static final class Gauge {

        final AtomicInteger running = new AtomicInteger();

        final AtomicInteger peak = new AtomicInteger();

        final AtomicInteger starts = new AtomicInteger();

        void enter() {
            starts.incrementAndGet();
            peak.accumulateAndGet(running.incrementAndGet(), Math::max);
        }

        void exit() {
            running.decrementAndGet();
        }
    }

    @Test
    void noMoreHandlersRunAtOnceThanTheConcurrency() {
        Gauge gauge = new Gauge();
        List<TaskId> ids = pushAll(storage, "bounded", 12);
        WorkerContext worker = started.start(WorkerBuilder.named("bounded").backend(storage).concurrency(4)
            .build(Integer.class, (n, ctx) -> {
                gauge.enter();
                try {
                    release.await();
                }
                finally {
                    gauge.exit();
                }
            }));
        eventually().untilAsserted(() -> assertThat(gauge.running.get()).isEqualTo(4));
        Awaitility.await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2))
            .untilAsserted(() -> assertThat(gauge.starts.get()).isEqualTo(4));
        assertThat(worker.inFlight()).isEqualTo(4);
        release.countDown();
        eventually().until(() -> ids.stream().allMatch(id -> WorkerTesting.status(storage, id) == TaskStatus.DONE));
        assertThat(gauge.peak.get()).isEqualTo(4);
        assertThat(gauge.starts.get()).isEqualTo(12);
    }

    @Test
    void prefetchedTasksWaitForAFreeSlot() {
        Gauge gauge = new Gauge();
        List<TaskId> ids = pushAll(storage, "prefetch", 10);
        started.start(WorkerBuilder.named("prefetch").backend(storage).concurrency(2).prefetch(3)
            .build(Integer.class, (n, ctx) -> {
                gauge.enter();
                try {
                    release.await();
                }
                finally {
                    gauge.exit();
                }
            }));
        eventually().untilAsserted(() -> assertThat(gauge.running.get()).isEqualTo(2));
        eventually().until(() -> storage.countByQueueAndStatus()
            .contains(new QueueCount("prefetch", TaskStatus.RUNNING, 5)));
        Awaitility.await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2))
            .untilAsserted(() -> assertThat(gauge.starts.get()).isEqualTo(2));
        release.countDown();
        eventually().until(() -> ids.stream().allMatch(id -> WorkerTesting.status(storage, id) == TaskStatus.DONE));
        assertThat(gauge.peak.get()).isEqualTo(2);
    }

    @Test
    void outcomesNotYetWrittenHoldBackFurtherClaims() {
        List<TaskId> ids = pushAll(storage, "held", 10);
        CountDownLatch writable = new CountDownLatch(1);
        Backend slowOutcomes = new ForwardingBackend(storage) {
            @Override
            public void complete(String workerId, Collection<Completion> completions) {
                try {
                    writable.await();
                }
                catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                }
                super.complete(workerId, completions);
            }
        };
        AtomicInteger starts = new AtomicInteger();
        started.start(WorkerBuilder.named("held").backend(slowOutcomes).concurrency(2).prefetch(1)
            .build(Integer.class, (n, ctx) -> starts.incrementAndGet()));
        try {
            // Three handlers returned at once, but their outcomes cannot be written: no fourth claim.
            eventually().untilAsserted(() -> assertThat(starts.get()).isEqualTo(3));
            Awaitility.await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2))
                .untilAsserted(() -> assertThat(storage.countByQueueAndStatus())
                    .contains(new QueueCount("held", TaskStatus.RUNNING, 3)));
            assertThat(starts.get()).isEqualTo(3);
        }
        finally {
            writable.countDown();
        }
        eventually().until(() -> ids.stream().allMatch(id -> WorkerTesting.status(storage, id) == TaskStatus.DONE));
        assertThat(starts.get()).isEqualTo(10);
    }

    @Test
    void tenThousandTasksPushedFromEightThreadsEachRunExactlyOnce() throws Exception {
        int threads = 8;
        int perThread = 1_250;
        Map<TaskId, AtomicInteger> runs = new ConcurrentHashMap<>();
        Gauge gauge = new Gauge();
        Recorder recorder = new Recorder();
        started.start(WorkerBuilder.named("many").backend(storage).concurrency(8).onEvent(recorder)
            .build(Integer.class, (n, ctx) -> {
                gauge.enter();
                runs.computeIfAbsent(ctx.taskId(), id -> new AtomicInteger()).incrementAndGet();
                gauge.exit();
            }));
        CyclicBarrier barrier = new CyclicBarrier(threads);
        ExecutorService pushers = Executors.newFixedThreadPool(threads);
        Set<TaskId> pushed = ConcurrentHashMap.newKeySet();
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                futures.add(pushers.submit(() -> {
                    barrier.await(10, TimeUnit.SECONDS);
                    for (int i = 0; i < perThread;) {
                        if (i % 100 == 0) {
                            pushed.add(storage.push(new NewTask("many", CODEC.encode(thread * perThread + i), null)));
                            i++;
                        }
                        else {
                            List<NewTask> batch = new ArrayList<>();
                            for (int j = 0; j < 49 && i < perThread; j++, i++) {
                                batch.add(new NewTask("many", CODEC.encode(thread * perThread + i), null));
                            }
                            pushed.addAll(storage.pushAll(batch));
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> future : futures) {
                future.get(30, TimeUnit.SECONDS);
            }
        }
        finally {
            pushers.shutdownNow();
        }
        assertThat(pushed).hasSize(threads * perThread);
        eventually().atMost(Duration.ofSeconds(30)).until(() -> storage.countByQueueAndStatus()
            .equals(List.of(new QueueCount("many", TaskStatus.DONE, threads * perThread))));
        assertThat(runs.keySet()).isEqualTo(pushed);
        assertThat(runs.values()).allSatisfy(count -> assertThat(count.get()).isEqualTo(1));
        // The completer emits a batch's events right after the backend recorded it.
        eventually().until(() -> recorder.of(WorkerEvent.TaskSucceeded.class).size() >= threads * perThread);
        List<WorkerEvent.TaskSucceeded> succeeded = recorder.of(WorkerEvent.TaskSucceeded.class);
        assertThat(succeeded).hasSize(threads * perThread);
        assertThat(new HashSet<>(succeeded.stream().map(WorkerEvent.TaskSucceeded::taskId).toList()))
            .isEqualTo(pushed);
        assertThat(recorder.of(WorkerEvent.TaskFailed.class)).isEmpty();
        assertThat(gauge.peak.get()).isBetween(1, 8);
    }
}
