package dev.apalis.backend.postgres;

import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import org.springframework.core.io.ByteArrayResource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.init.ScriptUtils;

import dev.apalis.backend.Completion;
import dev.apalis.task.Task;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskOptions;
import dev.apalis.task.TaskStatus;
import dev.apalis.test.PostgresDatabase;

import static dev.apalis.backend.postgres.TestTasks.numbered;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Schema version 4 (indexes for the look-up by unique key and the listing of waiting tasks): an existing
 * version 3 schema with tasks in every state is upgraded in place, none of its rows changes, the new
 * look-ups find them, every waiting task is still claimable, and applying the file again changes nothing.
 */
@PostgresDatabase
class PostgresSearchSchemaTest {

    @Test
    void aVersion3SchemaWithTasksInEveryStateIsUpgradedToVersion4AndKeepsThem(DataSource dataSource) throws Exception {
        JdbcTemplate jdbc = new JdbcTemplate(dataSource);
        applyByHand(dataSource, "schema-v1.sql", "schema-v2.sql", "schema-v3.sql");
        assertThat(jdbc.queryForObject("SELECT max(version) FROM searched.schema_version", Integer.class)).isEqualTo(3);
        TaskId done;
        String before;
        try (PostgresStorage v3 = PostgresStorage.builder(dataSource).schema("searched").initializeSchema(false)
            .maintenance(false).build()) {
            List<TaskId> ids = v3.pushAll(List.of(
                    numbered("q", 1, TaskOptions.defaults().uniqueKey("order-1")),
                    numbered("q", 2, TaskOptions.defaults().uniqueKey("order-2")),
                    numbered("q", 3), numbered("q", 4), numbered("q", 5), numbered("q", 6), numbered("q", 7)));
            List<Task> claimed = v3.claim("q", "w", 4);
            assertThat(claimed).extracting(Task::id).containsExactlyElementsOf(ids.subList(0, 4));
            done = ids.get(0);
            v3.complete("w", List.of(Completion.done(done), Completion.kill(ids.get(1), "boom"),
                    Completion.retry(ids.get(2), Duration.ofDays(1), "later")));
            jdbc.update("UPDATE searched.tasks SET status = 'SCHEDULED', run_at = now() + interval '1 day' "
                    + "WHERE id = (SELECT id FROM searched.tasks WHERE status = 'PENDING' ORDER BY id LIMIT 1)");
            before = snapshot(jdbc);
        }
        assertThat(jdbc.queryForList("SELECT DISTINCT status FROM searched.tasks ORDER BY status", String.class))
            .contains("DONE", "KILLED", "PENDING", "RUNNING", "SCHEDULED");

        try (PostgresStorage v4 = PostgresStorage.builder(dataSource).schema("searched").maintenance(false).build()) {
            assertThat(jdbc.queryForList("SELECT version FROM searched.schema_version ORDER BY version", Integer.class))
                .containsExactly(1, 2, 3, 4);
            assertThat(snapshot(jdbc)).isEqualTo(before);
            assertThat(v4.findByUniqueKey("q", "order-1", 10)).extracting(Task::id).containsExactly(done);
            assertThat(v4.list("q", TaskStatus.PENDING, null, 10).tasks()).isNotEmpty()
                .allSatisfy(task -> assertThat(task.status()).isEqualTo(TaskStatus.PENDING));
            List<Task> waiting = v4.claim("q", "w2", 10);
            assertThat(waiting).as("every due waiting task is still claimable").hasSize(2);
        }
        assertThat(indexDefinition(jdbc, "tasks_unique_key_lookup_idx")).contains("(unique_key, queue)")
            .contains("WHERE (unique_key IS NOT NULL)");
        assertThat(indexDefinition(jdbc, "tasks_waiting_listing_idx")).contains("(queue, created_at DESC, id DESC)");

        String after = snapshot(jdbc);
        applyByHand(dataSource, "schema-v4.sql");
        assertThat(snapshot(jdbc)).as("applying version 4 again changes nothing").isEqualTo(after);
        assertThat(jdbc.queryForList("SELECT version FROM searched.schema_version ORDER BY version", Integer.class))
            .containsExactly(1, 2, 3, 4);
    }

    private static void applyByHand(DataSource dataSource, String... files) throws Exception {
        try (Connection connection = dataSource.getConnection()) {
            for (String file : files) {
                String script = SchemaInitializer.script(file, "searched");
                ScriptUtils.executeSqlScript(connection, new ByteArrayResource(script.getBytes()));
            }
        }
    }

    private static String indexDefinition(JdbcTemplate jdbc, String name) {
        return jdbc.queryForObject("SELECT indexdef FROM pg_indexes WHERE schemaname = 'searched' AND indexname = ?",
                String.class, name);
    }

    private static String snapshot(JdbcTemplate jdbc) {
        List<Map<String, Object>> rows = jdbc.queryForList("""
                SELECT id, queue, payload::text, status, attempts, run_at, lock_owner, last_error, finished_at, unique_key
                FROM searched.tasks ORDER BY id""");
        return rows.toString();
    }
}
