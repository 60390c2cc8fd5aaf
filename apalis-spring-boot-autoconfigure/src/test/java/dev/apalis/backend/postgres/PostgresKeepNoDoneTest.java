package dev.apalis.backend.postgres;

import java.time.Duration;
import java.util.List;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

import org.springframework.jdbc.core.JdbcTemplate;

import dev.apalis.backend.Completion;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskOptions;
import dev.apalis.task.TaskStatus;
import dev.apalis.test.PostgresDatabase;

import static dev.apalis.backend.postgres.TestTasks.numbered;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A done retention of zero: a success deletes the task's row in the outcome's write, every other
 * outcome is written as with any retention, and the completion guard still ignores a late outcome.
 */
@PostgresDatabase
class PostgresKeepNoDoneTest {

    private static PostgresStorage storage;

    private static JdbcTemplate jdbc;

    private String queue;

    @BeforeAll
    static void createStorage(DataSource dataSource) {
        storage = PostgresStorage.builder(dataSource).schema("keep_no_done").maintenance(false)
            .doneRetention(Duration.ZERO).build();
        jdbc = new JdbcTemplate(dataSource);
    }

    @AfterAll
    static void closeStorage() {
        storage.close();
    }

    @BeforeEach
    void queuePerTest(TestInfo info) {
        queue = info.getTestMethod().orElseThrow().getName();
    }

    @Test
    void aSuccessDeletesTheRowAndFreesItsUniqueKey() {
        TaskOptions unique = TaskOptions.defaults().uniqueKey("k");
        TaskId first = storage.push(numbered(queue, 1, unique));
        storage.claim(queue, "w", 1);

        storage.complete("w", List.of(Completion.done(first)));

        assertThat(storage.find(first)).isEmpty();
        assertThat(rows()).isZero();
        TaskId second = storage.push(numbered(queue, 2, unique));
        assertThat(second).isNotEqualTo(first);
        assertThat(storage.find(second).orElseThrow().status()).isEqualTo(TaskStatus.PENDING);
    }

    @Test
    void inAMixedBatchOnlyTheSuccessesGoAndTheOtherOutcomesAreKept() {
        List<TaskId> ids = storage.pushAll(TestTasks.numbered(queue, 0, 4));
        storage.claim(queue, "w", 4);

        storage.complete("w", List.of(Completion.done(ids.get(0)), Completion.retry(ids.get(1), Duration.ofHours(1), "boom"),
                Completion.kill(ids.get(2), "dead"), Completion.done(ids.get(3))));

        assertThat(storage.find(ids.get(0))).isEmpty();
        assertThat(storage.find(ids.get(3))).isEmpty();
        assertThat(storage.find(ids.get(1)).orElseThrow()).satisfies(task -> {
            assertThat(task.status()).isEqualTo(TaskStatus.FAILED);
            assertThat(task.lastError()).isEqualTo("boom");
        });
        assertThat(storage.find(ids.get(2)).orElseThrow()).satisfies(task -> {
            assertThat(task.status()).isEqualTo(TaskStatus.KILLED);
            assertThat(task.lastError()).isEqualTo("dead");
        });
        assertThat(rows()).isEqualTo(2);
    }

    @Test
    void aLateSuccessFromAWorkerThatLostItsClaimDeletesNothing() {
        TaskId id = storage.push(numbered(queue, 1));
        storage.claim(queue, "first", 1);
        // the task was rescued and claimed again by another worker meanwhile
        jdbc.update("UPDATE keep_no_done.tasks SET lock_owner = 'second' WHERE id = ?", id.value());

        storage.complete("first", List.of(Completion.done(id)));

        assertThat(storage.find(id).orElseThrow().status()).isEqualTo(TaskStatus.RUNNING);
        storage.complete("second", List.of(Completion.done(id)));
        assertThat(storage.find(id)).isEmpty();
    }

    private long rows() {
        return jdbc.queryForObject("SELECT count(*) FROM keep_no_done.tasks WHERE queue = ?", Long.class, queue);
    }
}
