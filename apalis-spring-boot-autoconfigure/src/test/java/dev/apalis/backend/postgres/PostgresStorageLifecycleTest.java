package dev.apalis.backend.postgres;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;

import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.Test;

import dev.apalis.task.TaskId;
import dev.apalis.test.PostgresDatabase;
import dev.apalis.test.TestPostgres;

import static dev.apalis.backend.postgres.TestTasks.numbered;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;
import static org.awaitility.Awaitility.await;

/**
 * Building and closing a storage: settings are validated, and close gives back what the storage
 * holds without touching the tasks.
 */
@PostgresDatabase
class PostgresStorageLifecycleTest {

    private static boolean threadAlive(String name) {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals(name) && t.isAlive());
    }

    @Test
    void closeStopsItsThreadsAndGivesBackTheListeningConnectionButKeepsTheTasks(TestPostgres.Database database)
            throws Exception {
        try (HikariDataSource pool = database.newDataSource(2)) {
            TaskId id;
            PostgresStorage storage = PostgresStorage.builder(pool).schema("closing").build();
            try {
                id = storage.push(numbered("q", 1));
                storage.subscribe("q", () -> {
                });
                await().atMost(Duration.ofSeconds(5)).until(() -> storage.listenerBackendPid() != 0);
                assertThat(threadAlive("apalis-listener-closing")).isTrue();
                assertThat(threadAlive("apalis-maintenance-closing")).isTrue();
                assertThat(pool.getHikariPoolMXBean().getActiveConnections()).isEqualTo(1);
            }
            finally {
                storage.close();
            }

            assertThat(threadAlive("apalis-listener-closing")).isFalse();
            assertThat(threadAlive("apalis-maintenance-closing")).isFalse();
            assertThat(storage.listenerBackendPid()).isZero();
            assertThat(pool.getHikariPoolMXBean().getActiveConnections()).isZero();
            // the pool has two connections, one was the listener's: neither listens any more
            try (Connection first = pool.getConnection(); Connection second = pool.getConnection()) {
                for (Connection connection : new Connection[] { first, second }) {
                    try (Statement statement = connection.createStatement();
                            ResultSet rs = statement.executeQuery("SELECT count(*) FROM pg_listening_channels()")) {
                        rs.next();
                        assertThat(rs.getInt(1)).isZero();
                    }
                }
            }
            assertThat(storage.find(id)).isPresent();
            storage.close();
            assertThatIllegalStateException().isThrownBy(() -> storage.subscribe("q", () -> {
            })).withMessageContaining("closed");
        }
    }

    @Test
    void settingsAreValidatedWithMessagesThatSayWhatIsWrong(TestPostgres.Database database) {
        assertThatNullPointerException().isThrownBy(() -> PostgresStorage.builder(null));
        try (HikariDataSource pool = database.newDataSource(1)) {
            PostgresStorage.Builder builder = PostgresStorage.builder(pool);
            assertThatIllegalArgumentException().isThrownBy(() -> builder.orphanThreshold(Duration.ZERO))
                .withMessage("The orphan threshold must be positive, was PT0S");
            assertThatIllegalArgumentException().isThrownBy(() -> builder.doneRetention(Duration.ofSeconds(-1)))
                .withMessage("The done retention must be zero (keep no done task) or positive, was PT-1S");
            assertThatIllegalArgumentException().isThrownBy(() -> builder.killedRetention(Duration.ofDays(400_000)))
                .withMessageContaining("killed retention must be at most");
            assertThatIllegalArgumentException().isThrownBy(() -> builder.maintenanceInterval(Duration.ZERO))
                .withMessageContaining("maintenance interval must be positive");
            assertThatNullPointerException().isThrownBy(() -> builder.orphanThreshold(null));
        }
    }

    @Test
    void orphansAreLookedForEveryThirdOfTheThresholdOrEveryMaintenanceIntervalIfShorter() {
        assertThat(PostgresStorage.rescueInterval(PostgresStorage.DEFAULT_ORPHAN_THRESHOLD,
                PostgresStorage.DEFAULT_MAINTENANCE_INTERVAL)).isEqualTo(Duration.ofSeconds(10));
        assertThat(PostgresStorage.rescueInterval(Duration.ofMinutes(5), Duration.ofSeconds(30)))
            .isEqualTo(Duration.ofSeconds(30));
        assertThat(PostgresStorage.rescueInterval(Duration.ofMillis(60), Duration.ofSeconds(30)))
            .isEqualTo(Duration.ofMillis(100));
    }
}
