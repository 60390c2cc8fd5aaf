package dev.apalis.docs;

import java.time.Duration;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import dev.apalis.backend.postgres.PostgresStorage;
import dev.apalis.task.NewTask;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskOptions;
import dev.apalis.task.TaskStatus;
import dev.apalis.test.PostgresDatabase;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The plain-Java example of {@code docs/postgres.md}, run against a real PostgreSQL.
 */
@PostgresDatabase
class PostgresExamplesTest {

    @Test
    void buildAStorage(DataSource dataSource) {
        PostgresStorage storage = PostgresStorage.builder(dataSource)
                .schema("apalis")                          // default
                .orphanThreshold(Duration.ofSeconds(30))   // default
                .build();                                  // creates or upgrades the schema
        try (storage) {
            TaskId id = storage.push(new NewTask("email", "{\"to\":\"ada@example.com\"}", TaskOptions.defaults()));
            assertThat(storage.find(id)).hasValueSatisfying(task -> {
                assertThat(task.status()).isEqualTo(TaskStatus.PENDING);
                assertThat(task.payload()).contains("ada@example.com");
            });
            assertThat(storage.schema()).isEqualTo("apalis");
        }
    }
}
