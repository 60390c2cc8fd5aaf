package dev.apalis.worker;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;

import javax.sql.DataSource;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.apalis.backend.Backend;
import dev.apalis.backend.ClaimRequest;
import dev.apalis.backend.ForwardingBackend;
import dev.apalis.backend.QueueCount;
import dev.apalis.backend.postgres.PostgresStorage;
import dev.apalis.task.NewTask;
import dev.apalis.task.Task;
import dev.apalis.task.TaskOptions;
import dev.apalis.task.TaskStatus;
import dev.apalis.test.PostgresDatabase;

import static dev.apalis.worker.WorkerTesting.CODEC;
import static dev.apalis.worker.WorkerTesting.eventually;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The default, adaptive prefetch on a real PostgreSQL: short tasks are claimed in batches much larger
 * than the free slots, long tasks only for free slots, and never more than the concurrency run at once.
 */
@PostgresDatabase
class WorkerAdaptivePrefetchTest {

    private static final int CONCURRENCY = 4;

    private final WorkerTesting.Started started = new WorkerTesting.Started();

    private final CountDownLatch release = new CountDownLatch(1);

    record Job(int n, boolean slow) {
    }

    @AfterEach
    void stop() throws InterruptedException {
        release.countDown();
        started.stopAll();
    }

    @Test
    void shortTasksAreClaimedInLargeBatchesAndLongOnesOnlyForFreeSlots(DataSource dataSource) throws Exception {
        int tasks = 4_000;
        try (PostgresStorage storage = PostgresStorage.builder(dataSource).schema("adaptive").build()) {
            storage.pushAll(jobs(0, tasks, false));
            ClaimRecorder claims = new ClaimRecorder(storage);
            Map<Integer, AtomicInteger> runs = new ConcurrentHashMap<>();
            AtomicInteger running = new AtomicInteger();
            AtomicInteger mostAtOnce = new AtomicInteger();
            started.start(WorkerBuilder.named("adaptive").backend(claims).concurrency(CONCURRENCY)
                .build(Job.class, (job, ctx) -> {
                    mostAtOnce.accumulateAndGet(running.incrementAndGet(), Math::max);
                    try {
                        runs.computeIfAbsent(job.n(), n -> new AtomicInteger()).incrementAndGet();
                        if (job.slow()) {
                            release.await();
                        }
                    }
                    finally {
                        running.decrementAndGet();
                    }
                }));

            eventually().until(() -> count(storage, TaskStatus.DONE) == tasks);
            assertThat(runs).hasSize(tasks).allSatisfy((n, count) -> assertThat(count.get()).as("runs of %d", n).isEqualTo(1));
            assertThat(mostAtOnce.get()).isLessThanOrEqualTo(CONCURRENCY);
            int largest = claims.sizes.stream().mapToInt(Integer::intValue).max().orElseThrow();
            assertThat(largest).as("largest claim, concurrency %d", CONCURRENCY).isGreaterThan(8 * CONCURRENCY);
            assertThat(claims.sizes).as("claims for %d tasks", tasks).hasSizeLessThan(tasks / (2 * CONCURRENCY));

            // The queue ran dry, so the prefetch fell back: long tasks are claimed only for free slots.
            claims.sizes.clear();
            storage.pushAll(jobs(tasks, tasks + 10, true));
            eventually().until(() -> running.get() == CONCURRENCY);
            Awaitility.await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5))
                .until(() -> count(storage, TaskStatus.RUNNING) == CONCURRENCY);
            release.countDown();
            eventually().until(() -> count(storage, TaskStatus.DONE) == tasks + 10);
            assertThat(mostAtOnce.get()).isLessThanOrEqualTo(CONCURRENCY);
        }
    }

    private static List<NewTask> jobs(int from, int to, boolean slow) {
        return IntStream.range(from, to)
            .mapToObj(n -> new NewTask("adaptive", CODEC.encode(new Job(n, slow)), TaskOptions.defaults()))
            .toList();
    }

    private static long count(Backend storage, TaskStatus status) {
        return storage.countByQueueAndStatus().stream()
            .filter(count -> count.status() == status)
            .mapToLong(QueueCount::count)
            .sum();
    }

    /** Records the size of every non-empty claim. */
    private static final class ClaimRecorder extends ForwardingBackend {

        final List<Integer> sizes = new CopyOnWriteArrayList<>();

        ClaimRecorder(Backend delegate) {
            super(delegate);
        }

        @Override
        public List<Task> claim(ClaimRequest request) {
            List<Task> claimed = super.claim(request);
            if (!claimed.isEmpty()) {
                sizes.add(claimed.size());
            }
            return claimed;
        }
    }
}
