package dev.apalis.backend.postgres;

import java.sql.Connection;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import org.springframework.core.io.ByteArrayResource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.init.ScriptUtils;

import dev.apalis.schedule.Schedule;
import dev.apalis.task.TaskId;
import dev.apalis.test.PostgresDatabase;

import static dev.apalis.backend.postgres.TestTasks.numbered;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Schema version 3 (schedules): an existing version 2 schema with tasks in every state is upgraded in
 * place, nothing of it changes, and schedules work on it; applying the file twice changes nothing.
 */
@PostgresDatabase
class PostgresScheduleSchemaTest {

    @Test
    void aVersion2SchemaWithTasksIsUpgradedToVersion3AndKeepsItsTasks(DataSource dataSource) throws Exception {
        JdbcTemplate jdbc = new JdbcTemplate(dataSource);
        try (Connection connection = dataSource.getConnection()) {
            for (String file : List.of("schema-v1.sql", "schema-v2.sql")) {
                String script = SchemaInitializer.script(file, "upgraded");
                ScriptUtils.executeSqlScript(connection, new ByteArrayResource(script.getBytes()));
            }
        }
        assertThat(jdbc.queryForObject("SELECT max(version) FROM upgraded.schema_version", Integer.class)).isEqualTo(2);
        String before;
        try (PostgresStorage v2 = PostgresStorage.builder(dataSource).schema("upgraded").initializeSchema(false)
            .maintenance(false).build()) {
            v2.pushAll(List.of(numbered("q", 1), numbered("q", 2), numbered("q", 3), numbered("q", 4), numbered("q", 5)));
            v2.claim("q", "w", 3);
            jdbc.update("""
                    UPDATE upgraded.tasks SET status = 'DONE', finished_at = now(), lock_owner = NULL
                    WHERE id = (SELECT id FROM upgraded.tasks WHERE status = 'RUNNING' ORDER BY id LIMIT 1)""");
            jdbc.update("""
                    UPDATE upgraded.tasks SET status = 'FAILED', last_error = 'boom', lock_owner = NULL
                    WHERE id = (SELECT id FROM upgraded.tasks WHERE status = 'RUNNING' ORDER BY id LIMIT 1)""");
            jdbc.update("UPDATE upgraded.tasks SET status = 'SCHEDULED', run_at = now() + interval '1 day' "
                    + "WHERE id = (SELECT id FROM upgraded.tasks WHERE status = 'PENDING' ORDER BY id LIMIT 1)");
            before = snapshot(jdbc);
        }
        assertThat(jdbc.queryForList("SELECT status FROM upgraded.tasks ORDER BY status", String.class))
            .containsExactly("DONE", "FAILED", "PENDING", "RUNNING", "SCHEDULED");

        try (PostgresStorage v3 = PostgresStorage.builder(dataSource).schema("upgraded").maintenance(false).build()) {
            assertThat(jdbc.queryForList("SELECT version FROM upgraded.schema_version ORDER BY version", Integer.class))
                .startsWith(1, 2, 3).hasSize(SchemaInitializer.LATEST_VERSION);
            assertThat(snapshot(jdbc)).isEqualTo(before);
            v3.schedules().save(Schedule.of("nightly", "@daily", "q").withZone(ZoneOffset.UTC));
            assertThat(v3.schedules().find("nightly")).isPresent();
            TaskId triggered = v3.schedules().trigger("nightly").orElseThrow();
            assertThat(v3.find(triggered)).isPresent();
        }
        // the file again, as a migration tool that lost track would run it: nothing changes
        try (Connection connection = dataSource.getConnection()) {
            String script = SchemaInitializer.script("schema-v3.sql", "upgraded");
            ScriptUtils.executeSqlScript(connection, new ByteArrayResource(script.getBytes()));
        }
        assertThat(jdbc.queryForList("SELECT name FROM upgraded.schedules", String.class)).containsExactly("nightly");
        assertThat(jdbc.queryForObject("SELECT indexdef FROM pg_indexes WHERE schemaname = 'upgraded' "
                + "AND indexname = 'schedules_due_idx'", String.class)).contains("(next_run_at)")
            .contains("WHERE (enabled AND (NOT paused))");
    }

    private static String snapshot(JdbcTemplate jdbc) {
        List<Map<String, Object>> rows = jdbc.queryForList("""
                SELECT id, queue, payload::text, status, attempts, run_at, lock_owner, last_error, finished_at
                FROM upgraded.tasks ORDER BY id""");
        return rows.toString();
    }
}
