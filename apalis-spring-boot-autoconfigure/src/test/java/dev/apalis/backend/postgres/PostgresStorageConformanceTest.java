package dev.apalis.backend.postgres;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import org.springframework.jdbc.core.JdbcTemplate;

import dev.apalis.backend.Backend;
import dev.apalis.backend.BackendCapability;
import dev.apalis.backend.conformance.BackendConformance;
import dev.apalis.task.NewTask;
import dev.apalis.task.TaskOptions;
import dev.apalis.test.PostgresDatabase;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link PostgresStorage} passes the backend conformance suite on a real PostgreSQL, with a 2 s orphan
 * threshold and 5 s retentions; the other node is a second storage on the same schema (without a
 * maintenance thread, so that one node does the rounds), and time is the database's.
 */
@PostgresDatabase
class PostgresStorageConformanceTest extends BackendConformance {

    private static final Duration RETENTION = Duration.ofSeconds(5);

    private final DataSource dataSource;

    private final JdbcTemplate jdbc;

    PostgresStorageConformanceTest(DataSource dataSource) {
        this.dataSource = dataSource;
        this.jdbc = new JdbcTemplate(dataSource);
    }

    @Override
    protected Backend createBackend() {
        return PostgresStorage.builder(dataSource)
            .schema("conformance")
            .orphanThreshold(Duration.ofSeconds(2))
            .doneRetention(RETENTION)
            .killedRetention(RETENTION)
            .maintenanceInterval(Duration.ofHours(1))
            .build();
    }

    @Override
    protected Backend createPeer() {
        return PostgresStorage.builder(dataSource)
            .schema("conformance")
            .orphanThreshold(Duration.ofSeconds(2))
            .maintenance(false)
            .build();
    }

    @Override
    public Instant now() {
        return jdbc.queryForObject("SELECT clock_timestamp()", OffsetDateTime.class).toInstant();
    }

    @Override
    public Duration retention() {
        return RETENTION;
    }

    @Test
    void aStorageDeclaresWakeUpsOnlyWhileItListens() {
        try (PostgresStorage polling = PostgresStorage.builder(dataSource).schema("conformance").maintenance(false)
            .notifications(false).build()) {
            assertThat(polling.capabilities()).doesNotContain(BackendCapability.WAKE_UPS)
                .contains(BackendCapability.DURABLE, BackendCapability.SHARED_STORE);
        }
        assertThat(backend().capabilities()).contains(BackendCapability.WAKE_UPS);
    }

    @Override
    public NewTask refusedTask(String queue) {
        return new NewTask(queue, "this is not JSON", TaskOptions.defaults());
    }
}
