package dev.apalis.reliability;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import dev.apalis.backend.postgres.PostgresStorage;
import dev.apalis.worker.WorkerBuilder;
import dev.apalis.worker.WorkerContext;
import dev.apalis.test.PostgresDatabase;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Prefetched tasks wait for a free slot: a worker never runs more than its concurrency at once, and
 * the tasks it claimed ahead are released (their attempt not counted) when it stops. This bounds
 * what a crash can make run twice: at most {@code concurrency} tasks were cut mid-run.
 */
@PostgresDatabase
class PrefetchBoundTest {

    record Job(int n) {
    }

    @Test
    void prefetchedTasksWaitForASlotAndAreReleasedOnStop(DataSource dataSource) throws Exception {
        try (PostgresStorage storage = PostgresStorage.builder(dataSource).schema("prefetch").build()) {
            storage.pushAll(Tasks.numbered("prefetch", 0, 10));
            AtomicInteger running = new AtomicInteger();
            AtomicInteger mostAtOnce = new AtomicInteger();
            AtomicInteger started = new AtomicInteger();
            CountDownLatch gate = new CountDownLatch(1);
            WorkerContext worker = WorkerBuilder.named("prefetch").backend(storage).concurrency(2).prefetch(3)
                .shutdownTimeout(Duration.ofSeconds(20))
                .build(Job.class, (job, ctx) -> {
                    mostAtOnce.accumulateAndGet(running.incrementAndGet(), Math::max);
                    started.incrementAndGet();
                    gate.await();
                    running.decrementAndGet();
                })
                .start();
            try {
                Db db = new Db(dataSource, "prefetch");
                await().atMost(Duration.ofSeconds(20)).until(() -> db.countStatus("RUNNING") == 5 && started.get() >= 2);
                // the three prefetched tasks stay claimed but do not start while both slots are busy
                await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5)).untilAsserted(
                        () -> assertThat(mostAtOnce.get()).as("handlers running at once (concurrency 2)").isEqualTo(2));
                worker.stop();
                await().atMost(Duration.ofSeconds(20)).until(() -> db.countStatus("RUNNING") == 2);
                gate.countDown();
                assertThat(worker.awaitTermination(Duration.ofSeconds(30))).isTrue();
                assertThat(mostAtOnce.get()).as("handlers running at once").isEqualTo(2);
                Map<String, Long> byStatus = db.countByStatus();
                assertThat(byStatus).containsExactlyInAnyOrderEntriesOf(Map.of("DONE", 2L, "PENDING", 8L));
                assertThat(db.jdbc().queryForObject("SELECT max(attempts) FROM prefetch.tasks WHERE status = 'PENDING'",
                        Integer.class)).as("a released claim is not an attempt").isZero();
            }
            finally {
                gate.countDown();
                worker.stop();
                worker.awaitTermination(Duration.ofSeconds(30));
            }
        }
    }
}
