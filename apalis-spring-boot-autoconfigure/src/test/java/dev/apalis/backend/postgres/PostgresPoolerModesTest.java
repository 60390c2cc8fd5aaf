package dev.apalis.backend.postgres;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

import org.springframework.jdbc.core.JdbcTemplate;

import dev.apalis.backend.Backend;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskStatus;
import dev.apalis.test.PostgresDatabase;
import dev.apalis.test.TestPostgres;
import dev.apalis.worker.WorkerBuilder;
import dev.apalis.worker.WorkerContext;

import static dev.apalis.backend.postgres.TestTasks.numbered;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.awaitility.Awaitility.await;

/**
 * The settings for a pooler in transaction mode, which cannot hold a {@code LISTEN}: a storage that does
 * not listen still notifies the nodes that do, and its workers find tasks by polling; a storage can
 * listen on a direct connection of its own given by a JDBC URL.
 */
@PostgresDatabase
class PostgresPoolerModesTest {

    record Job(int n) {
    }

    private String queue;

    @BeforeEach
    void queuePerTest(TestInfo info) {
        queue = info.getTestMethod().orElseThrow().getName();
    }

    @Test
    void aStorageThatDoesNotListenStillWakesTheNodesThatDo(DataSource dataSource) {
        try (PostgresStorage pooled = PostgresStorage.builder(dataSource).listen(false).maintenance(false).build();
                PostgresStorage direct = PostgresStorage.builder(dataSource).maintenance(false).build()) {
            AtomicInteger pooledWoken = new AtomicInteger();
            AtomicInteger directWoken = new AtomicInteger();
            try (Backend.Subscription a = pooled.subscribe(queue, pooledWoken::incrementAndGet);
                    Backend.Subscription b = direct.subscribe(queue, directWoken::incrementAndGet)) {
                await().atMost(Duration.ofSeconds(10)).until(() -> {
                    pooled.push(numbered(queue, 1));
                    return directWoken.get() > 0;
                });
                directWoken.set(0);
                pooled.push(numbered(queue, 2));
                await().atMost(Duration.ofSeconds(5)).until(() -> directWoken.get() > 0);
            }
            assertThat(pooled.listenerBackendPid()).as("no listening connection").isZero();
            assertThat(pooledWoken).hasValue(0);
        }
    }

    @Test
    void workersOfAStorageThatDoesNotListenStartTasksWithinTheirPollInterval(DataSource dataSource) {
        Duration pollInterval = Duration.ofMillis(300);
        Map<Integer, Instant> startedAt = new ConcurrentHashMap<>();
        try (PostgresStorage pooled = PostgresStorage.builder(dataSource).listen(false).maintenance(false).build()) {
            WorkerContext worker = WorkerBuilder.named(queue).backend(pooled).pollInterval(pollInterval)
                .build(Job.class, (job, context) -> startedAt.put(job.n(), Instant.now()))
                .start();
            try {
                for (int n = 1; n <= 3; n++) {
                    int task = n;
                    Instant pushedAt = Instant.now();
                    TaskId id = pooled.push(numbered(queue, task));
                    await().atMost(Duration.ofSeconds(5)).until(() -> startedAt.containsKey(task));
                    // the poll interval, plus a claim and the scheduling delays of a loaded 2-core machine
                    // (1.6 s seen at a load average of 40); nothing but the poll can start it
                    assertThat(Duration.between(pushedAt, startedAt.get(task)))
                        .isLessThan(pollInterval.plusMillis(2_000));
                    await().atMost(Duration.ofSeconds(3))
                        .until(() -> pooled.find(id).orElseThrow().status() == TaskStatus.DONE);
                }
                assertThat(pooled.listenerBackendPid()).isZero();
            }
            finally {
                worker.stop();
            }
        }
    }

    @Test
    void aStorageListensOnADirectConnectionGivenByItsJdbcUrl(DataSource dataSource, TestPostgres.Database database) {
        String url = database.jdbcUrl() + (database.jdbcUrl().contains("?") ? "&" : "?")
                + "ApplicationName=apalis-listen-test";
        try (PostgresStorage storage = PostgresStorage.builder(dataSource)
            .listenJdbcUrl(url, database.username(), database.password())
            .maintenance(false)
            .build()) {
            AtomicInteger woken = new AtomicInteger();
            try (Backend.Subscription subscription = storage.subscribe(queue, woken::incrementAndGet)) {
                await().atMost(Duration.ofSeconds(10)).until(() -> storage.listenerBackendPid() != 0);
                woken.set(0);
                storage.push(numbered(queue, 1));
                await().atMost(Duration.ofSeconds(5)).until(() -> woken.get() > 0);
                String applicationName = new JdbcTemplate(dataSource).queryForObject(
                        "SELECT application_name FROM pg_stat_activity WHERE pid = ?", String.class,
                        storage.listenerBackendPid());
                assertThat(applicationName).isEqualTo("apalis-listen-test");
            }
        }
    }

    @Test
    void aListeningUrlThatIsNotPostgresIsRefused(DataSource dataSource) {
        assertThatIllegalArgumentException()
            .isThrownBy(() -> PostgresStorage.builder(dataSource).listenJdbcUrl("jdbc:mysql://db/tasks", "u", "p"))
            .withMessageContaining("jdbc:postgresql:");
    }
}
