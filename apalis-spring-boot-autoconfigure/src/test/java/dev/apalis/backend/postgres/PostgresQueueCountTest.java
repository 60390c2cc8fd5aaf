package dev.apalis.backend.postgres;

import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import javax.sql.DataSource;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;

import dev.apalis.backend.Completion;
import dev.apalis.backend.QueueCount;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskOptions;
import dev.apalis.task.TaskStatus;
import dev.apalis.test.PostgresDatabase;
import dev.apalis.test.TestPostgres;

import static dev.apalis.backend.postgres.TestTasks.numbered;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Counting tasks by queue and status against a real PostgreSQL: the gauges' count is exact while small,
 * and with 300,000 finished rows it reads a few thousand tuples, not the table.
 */
@PostgresDatabase
class PostgresQueueCountTest {

    private static JdbcTemplate jdbc;

    @BeforeAll
    static void setUp(DataSource dataSource) {
        jdbc = new JdbcTemplate(dataSource);
    }

    private static Map<String, Long> byQueueAndStatus(List<QueueCount> counts) {
        return counts.stream()
            .collect(Collectors.toMap(c -> c.queue() + ":" + c.status(), QueueCount::count));
    }

    @Test
    void smallCountsAreExactAndScheduledTasksCountAsPendingOrFailed(DataSource dataSource) {
        try (PostgresStorage storage = PostgresStorage.builder(dataSource).schema("small").maintenance(false)
            .build()) {
            storage.pushAll(TestTasks.numbered("a", 0, 3));
            storage.push(numbered("a", 9, TaskOptions.defaults().delay(Duration.ofDays(1))));
            storage.pushAll(TestTasks.numbered("b", 0, 4));
            List<TaskId> claimed = storage.claim("b", "w", 4).stream().map(t -> t.id()).toList();
            storage.complete("w", List.of(new Completion.Done(claimed.get(0)),
                    new Completion.Kill(claimed.get(1), "no"),
                    new Completion.Retry(claimed.get(2), Duration.ofSeconds(3600), "later")));

            Map<String, Long> expected = Map.of("a:PENDING", 4L, "b:DONE", 1L, "b:KILLED", 1L, "b:FAILED", 1L,
                    "b:RUNNING", 1L);
            assertThat(byQueueAndStatus(storage.countByQueueAndStatus())).containsExactlyInAnyOrderEntriesOf(expected);
            assertThat(byQueueAndStatus(storage.estimateByQueueAndStatus()))
                .containsExactlyInAnyOrderEntriesOf(expected);
            assertThat(storage.estimateByQueueAndStatus()).isEqualTo(storage.countByQueueAndStatus());
        }
    }

    @Test
    void withThreeHundredThousandFinishedRowsACountReadsFewTuples(TestPostgres.Database database) throws Exception {
        try (SingleConnectionDataSource single = new SingleConnectionDataSource(database.jdbcUrl(),
                database.username(), database.password(), true)) {
            PostgresStorage storage = PostgresStorage.builder(single).schema("big").maintenance(false)
                .notifications(false).build();
            JdbcTemplate own = new JdbcTemplate(single);
            own.update("""
                    INSERT INTO big.tasks (id, queue, payload, status, attempts, finished_at)
                    SELECT gen_random_uuid(), CASE WHEN n % 3 = 0 THEN 'reports' ELSE 'mail' END, '{}',
                           CASE WHEN n % 100 = 0 THEN 'KILLED' ELSE 'DONE' END, 1, now()
                    FROM generate_series(1, 300000) n""");
            storage.pushAll(TestTasks.numbered("mail", 0, 50));
            storage.pushAll(TestTasks.numbered("reports", 0, 20));
            own.execute("VACUUM ANALYZE big.tasks");

            long before = tuplesRead(own);
            List<QueueCount> counts = storage.estimateByQueueAndStatus();
            long read = tuplesRead(own) - before;

            assertThat(read).as("tuples one count read").isLessThan(10_000);
            Map<String, Long> map = byQueueAndStatus(counts);
            assertThat(map).containsEntry("mail:PENDING", 50L).containsEntry("reports:PENDING", 20L);
            assertThat((double) map.get("mail:DONE")).isCloseTo(198_000, within(198_000 * 0.2));
            assertThat((double) map.get("reports:DONE")).isCloseTo(99_000, within(99_000 * 0.2));
            assertThat((double) map.get("mail:KILLED")).isCloseTo(2_000, within(2_000 * 0.5));

            long beforeExact = tuplesRead(own);
            List<QueueCount> exact = storage.countByQueueAndStatus();
            assertThat(tuplesRead(own) - beforeExact).as("the exact count, for comparison").isGreaterThan(300_000);
            assertThat(byQueueAndStatus(exact)).containsEntry("mail:DONE", 198_000L).containsEntry("reports:DONE", 99_000L)
                .containsEntry("mail:PENDING", 50L);
        }
    }

    /**
     * Tuples the tasks table and its indexes served so far: heap rows read by sequential scans and
     * fetched by index scans, and index entries read. Flushes this session's statistics first.
     */
    private static long tuplesRead(JdbcTemplate own) {
        own.queryForList("SELECT pg_stat_force_next_flush()");
        own.queryForList("SELECT 1");
        own.queryForList("SELECT pg_stat_clear_snapshot()");
        Long table = own.queryForObject("""
                SELECT coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0) FROM pg_stat_user_tables
                WHERE schemaname = 'big' AND relname = 'tasks'""", Long.class);
        Long indexes = own.queryForObject("""
                SELECT coalesce(sum(idx_tup_read), 0) FROM pg_stat_user_indexes
                WHERE schemaname = 'big' AND relname = 'tasks'""", Long.class);
        return table + indexes;
    }
}
