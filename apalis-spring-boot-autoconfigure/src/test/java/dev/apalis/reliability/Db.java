package dev.apalis.reliability;

import java.util.LinkedHashMap;
import java.util.Map;

import javax.sql.DataSource;

import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Reads what the scenarios assert on: the tasks table of a schema, and the {@code executions} table
 * in which the worker app's handler records each attempt it starts and ends.
 */
final class Db {

    /** One row per attempt a handler started: where (pid), when it started, and when it ended (or null). */
    static final String EXECUTIONS_DDL = """
            CREATE TABLE IF NOT EXISTS public.executions (
                task_id    uuid        NOT NULL,
                pid        bigint      NOT NULL,
                attempt    integer     NOT NULL,
                started_at timestamptz NOT NULL DEFAULT clock_timestamp(),
                ended_at   timestamptz
            );
            CREATE INDEX IF NOT EXISTS executions_task_idx ON public.executions (task_id, pid, attempt)""";

    private final JdbcTemplate jdbc;

    private final String schema;

    Db(DataSource dataSource, String schema) {
        this.jdbc = new JdbcTemplate(dataSource);
        this.schema = schema;
    }

    JdbcTemplate jdbc() {
        return jdbc;
    }

    void createExecutions() {
        for (String statement : EXECUTIONS_DDL.split(";")) {
            jdbc.execute(statement);
        }
    }

    long countStatus(String status) {
        Long count = jdbc.queryForObject("SELECT count(*) FROM " + schema + ".tasks WHERE status = ?", Long.class, status);
        return (count != null) ? count : 0;
    }

    long countTasks() {
        Long count = jdbc.queryForObject("SELECT count(*) FROM " + schema + ".tasks", Long.class);
        return (count != null) ? count : 0;
    }

    Map<String, Long> countByStatus() {
        Map<String, Long> counts = new LinkedHashMap<>();
        jdbc.query("SELECT status, count(*) FROM " + schema + ".tasks GROUP BY status ORDER BY status",
                rs -> {
                    counts.put(rs.getString(1), rs.getLong(2));
                });
        return counts;
    }

    /** Tasks with more than one started attempt in {@code executions}. */
    long tasksStartedMoreThanOnce() {
        Long count = jdbc.queryForObject("""
                SELECT count(*) FROM (SELECT task_id FROM public.executions GROUP BY task_id HAVING count(*) > 1) d""",
                Long.class);
        return (count != null) ? count : 0;
    }

    /** Tasks with no row in {@code executions}. */
    long tasksNeverStarted() {
        Long count = jdbc.queryForObject("""
                SELECT count(*) FROM %s.tasks t
                WHERE NOT EXISTS (SELECT 1 FROM public.executions e WHERE e.task_id = t.id)""".formatted(schema),
                Long.class);
        return (count != null) ? count : 0;
    }

    /** How many attempts each process started, by pid. */
    Map<Long, Long> executionsByPid() {
        Map<Long, Long> counts = new LinkedHashMap<>();
        jdbc.query("SELECT pid, count(*) FROM public.executions GROUP BY pid ORDER BY pid", rs -> {
            counts.put(rs.getLong(1), rs.getLong(2));
        });
        return counts;
    }
}
