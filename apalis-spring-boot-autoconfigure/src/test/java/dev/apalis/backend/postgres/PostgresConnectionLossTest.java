package dev.apalis.backend.postgres;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.Test;

import org.springframework.dao.DataAccessException;

import dev.apalis.test.DatabaseOutage;
import dev.apalis.test.PostgresDatabase;
import dev.apalis.test.TestPostgres;
import dev.apalis.worker.WorkerBuilder;
import dev.apalis.worker.WorkerContext;
import dev.apalis.worker.WorkerEvent;

import static dev.apalis.backend.postgres.TestTasks.numbered;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The database goes away and comes back: calls fail meanwhile, the worker reports errors and keeps
 * going, and the listener reconnects so that pushes wake the worker again.
 */
@PostgresDatabase
class PostgresConnectionLossTest {

    record Job(int n) {
    }

    @Test
    void workersAndTheListenerCarryOnWhenTheDatabaseComesBack(TestPostgres.Database database) throws Exception {
        DatabaseOutage outage = DatabaseOutage.ofTestServer();
        Set<Integer> ran = ConcurrentHashMap.newKeySet();
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        try (HikariDataSource pool = database.newDataSource(5);
                PostgresStorage storage = PostgresStorage.builder(pool).build()) {
            pool.setConnectionTimeout(500);
            WorkerContext worker = WorkerBuilder.named("survivor").backend(storage)
                .pollInterval(Duration.ofSeconds(60))
                .heartbeatInterval(Duration.ofMillis(200))
                .onEvent((ctx, event) -> {
                    if (event instanceof WorkerEvent.Error error) {
                        errors.add(error.error());
                    }
                })
                .build(Job.class, (job, ctx) -> ran.add(job.n()))
                .start();
            try {
                storage.push(numbered("survivor", 1));
                await().atMost(Duration.ofSeconds(1)).until(() -> ran.contains(1));
                int listenerBefore = storage.listenerBackendPid();

                outage.during(() -> {
                    assertThatThrownBy(() -> storage.push(numbered("survivor", 2)))
                        .isInstanceOf(DataAccessException.class);
                    await().atMost(Duration.ofSeconds(5)).until(() -> !errors.isEmpty());
                    assertThat(errors).allSatisfy(error -> assertThat(error).isInstanceOf(DataAccessException.class));
                });

                await().atMost(Duration.ofSeconds(15)).until(() -> {
                    int now = storage.listenerBackendPid();
                    return now != 0 && now != listenerBefore;
                });
                assertThat(worker.isRunning()).isTrue();
                storage.push(numbered("survivor", 3));
                await().atMost(Duration.ofSeconds(2)).until(() -> ran.contains(3));
                assertThat(ran).containsExactlyInAnyOrder(1, 3);
            }
            finally {
                worker.stop();
                try {
                    assertThat(worker.awaitTermination(Duration.ofSeconds(10))).isTrue();
                }
                catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }
}
