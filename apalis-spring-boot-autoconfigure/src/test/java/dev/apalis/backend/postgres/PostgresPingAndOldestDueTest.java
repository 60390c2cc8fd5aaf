package dev.apalis.backend.postgres;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.jdbc.core.JdbcTemplate;

import dev.apalis.backend.Completion;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskOptions;
import dev.apalis.test.PostgresDatabase;

import static dev.apalis.backend.postgres.TestTasks.numbered;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * The health check's ping, and the oldest due task of a queue: right answers, and a plan that probes
 * the claim index instead of reading the queue.
 */
@PostgresDatabase
class PostgresPingAndOldestDueTest {

    private static PostgresStorage storage;

    private static JdbcTemplate jdbc;

    @BeforeAll
    static void createStorage(DataSource dataSource) {
        storage = PostgresStorage.builder(dataSource).schema("lag").maintenance(false).build();
        jdbc = new JdbcTemplate(dataSource);
    }

    @AfterAll
    static void closeStorage() {
        storage.close();
    }

    @Test
    void pingAnswersWhileTheTasksTableExists() {
        storage.ping();
    }

    @Test
    void pingFailsWhenTheTasksTableIsMissing(DataSource dataSource) {
        try (PostgresStorage unmanaged = PostgresStorage.builder(dataSource).schema("never_created")
            .initializeSchema(false).maintenance(false).build()) {
            assertThatIllegalStateException().isThrownBy(unmanaged::ping).withMessageContaining("never_created");
        }
    }

    @Test
    void oldestDueIsTheEarliestRunTimeAmongDueWaitingTasksOfAnyPriority() {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        storage.push(numbered("oldest", 1, TaskOptions.defaults().runAt(now.minusSeconds(30)).priority(5)));
        storage.push(numbered("oldest", 2, TaskOptions.defaults().runAt(now.minusSeconds(10)).priority(-1)));
        storage.push(numbered("oldest", 3, TaskOptions.defaults().runAt(now.plusSeconds(3600)).priority(-9)));
        storage.push(numbered("other", 4, TaskOptions.defaults().runAt(now.minusSeconds(600))));

        assertThat(storage.oldestDueAt("oldest")).contains(now.minusSeconds(30));
    }

    @Test
    void runningFinishedAndFutureTasksAreNotDue() {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        TaskId done = storage.push(numbered("not-due", 1, TaskOptions.defaults().runAt(now.minusSeconds(50))));
        storage.push(numbered("not-due", 2, TaskOptions.defaults().runAt(now.minusSeconds(40))));
        assertThat(storage.claim("not-due", "w", 2)).hasSize(2);
        storage.complete("w", List.of(Completion.done(done)));
        storage.push(numbered("not-due", 3, TaskOptions.defaults().delay(Duration.ofHours(1))));

        assertThat(storage.oldestDueAt("not-due")).isEmpty();
        assertThat(storage.oldestDueAt("no-such-queue")).isEmpty();
    }

    @Test
    void aFailedTaskIsDueAgainFromItsRetryTime() {
        TaskId id = storage.push(numbered("retried", 1));
        storage.claim("retried", "w", 1);
        storage.complete("w", List.of(Completion.retry(id, Duration.ZERO, "boom")));

        Instant retryAt = storage.find(id).orElseThrow().runAt();
        assertThat(storage.oldestDueAt("retried")).contains(retryAt);
    }

    @Test
    void oldestDueProbesTheClaimIndexPerPriorityWithoutReadingTheQueue() {
        storage.pushAll(TestTasks.numbered("deep", 0, 20_000));
        storage.push(numbered("deep", -1, TaskOptions.defaults().priority(3)));
        jdbc.execute("ANALYZE lag.tasks");
        String sql = SchemaNames.of("lag").expand(TaskInspections.OLDEST_DUE);

        String plan = String.join("\n", jdbc.queryForList("EXPLAIN " + sql, String.class, "deep", "deep", "deep"));

        assertThat(plan).contains("Recursive Union").contains("tasks_claim_idx").doesNotContain("Seq Scan")
            .doesNotContain("Sort");
        assertThat(storage.oldestDueAt("deep")).isPresent();
    }
}
