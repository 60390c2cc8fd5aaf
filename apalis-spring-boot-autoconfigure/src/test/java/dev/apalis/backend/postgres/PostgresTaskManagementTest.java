package dev.apalis.backend.postgres;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.apalis.task.NewTask;
import dev.apalis.task.TaskOptions;
import dev.apalis.test.PostgresDatabase;
import dev.apalis.worker.WorkerBuilder;
import dev.apalis.worker.WorkerContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Workers of two nodes honour a pause of their queue across the cluster. (The
 * {@link dev.apalis.backend.TaskManagement} contract itself is checked by
 * {@link PostgresStorageConformanceTest}.)
 */
@PostgresDatabase
class PostgresTaskManagementTest {

    private static PostgresStorage storage;

    private static PostgresStorage other;

    @BeforeAll
    static void createStorages(DataSource dataSource) {
        storage = PostgresStorage.builder(dataSource).schema("manage").maintenance(false).build();
        other = PostgresStorage.builder(dataSource).schema("manage").maintenance(false).build();
    }

    @AfterAll
    static void closeStorages() {
        storage.close();
        other.close();
    }

    record Numbered(int n) {
    }

    @Test
    void everyWorkerOfEveryNodeHonoursAPauseWithinOnePollIntervalAndRunsOnAfterResume() throws InterruptedException {
        Duration poll = Duration.ofMillis(200);
        AtomicInteger ran = new AtomicInteger();
        WorkerContext a = WorkerBuilder.named("paused-a").queue("cluster").backend(storage).pollInterval(poll)
            .build(Numbered.class, (payload, context) -> ran.incrementAndGet()).start();
        WorkerContext b = WorkerBuilder.named("paused-b").queue("cluster").backend(other).pollInterval(poll)
            .build(Numbered.class, (payload, context) -> ran.incrementAndGet()).start();
        try {
            assertThat(storage.pause("cluster", "test")).isTrue();
            for (int i = 0; i < 20; i++) {
                other.push(new NewTask("cluster", "{\"n\":" + i + "}", TaskOptions.defaults()));
            }
            await().during(poll.multipliedBy(3)).atMost(poll.multipliedBy(5)).until(() -> ran.get() == 0);

            assertThat(other.resume("cluster", "test")).isTrue();

            await().atMost(Duration.ofSeconds(10)).until(() -> ran.get() == 20);
        }
        finally {
            a.stop();
            b.stop();
            a.awaitTermination(Duration.ofSeconds(10));
            b.awaitTermination(Duration.ofSeconds(10));
        }
    }
}
