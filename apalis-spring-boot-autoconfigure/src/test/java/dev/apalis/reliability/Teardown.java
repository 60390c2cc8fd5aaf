package dev.apalis.reliability;

import java.time.Duration;
import java.util.List;

import com.zaxxer.hikari.HikariDataSource;

import dev.apalis.backend.postgres.PostgresStorage;
import dev.apalis.worker.WorkerContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The end of a scenario with workers in this JVM: stops every worker, asserts each one ends within
 * 30 s, then closes the storages and their pools, in that order.
 */
final class Teardown {

    private Teardown() {
    }

    static void stopWorkersThenClose(List<WorkerContext> workers, List<PostgresStorage> storages,
            List<HikariDataSource> pools) throws InterruptedException {
        for (WorkerContext worker : workers) {
            worker.stop();
        }
        for (WorkerContext worker : workers) {
            assertThat(worker.awaitTermination(Duration.ofSeconds(30))).isTrue();
        }
        storages.forEach(PostgresStorage::close);
        pools.forEach(HikariDataSource::close);
    }
}
