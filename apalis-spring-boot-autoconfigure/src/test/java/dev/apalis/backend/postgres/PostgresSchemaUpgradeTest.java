package dev.apalis.backend.postgres;

import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.core.io.ByteArrayResource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.init.ScriptUtils;

import dev.apalis.backend.Completion;
import dev.apalis.task.Task;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskStatus;
import dev.apalis.test.PostgresDatabase;
import dev.apalis.worker.WorkerBuilder;
import dev.apalis.worker.WorkerContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The upgrade from schema version 1 to 2 against a real PostgreSQL: on start-up, by two nodes at once
 * and again later, with nothing lost; by hand with the shipped scripts, to the same schema; and a
 * version 1 node's insert still served by version 2 code.
 */
@PostgresDatabase
class PostgresSchemaUpgradeTest {

    record Job(int n) {
    }

    private static DataSource dataSource;

    private static JdbcTemplate jdbc;

    @BeforeAll
    static void setUp(DataSource source) {
        dataSource = source;
        jdbc = new JdbcTemplate(source);
    }

    private static void applyByHand(String file, String schema) throws Exception {
        String script = SchemaInitializer.script(file, '"' + schema + '"');
        try (Connection connection = dataSource.getConnection()) {
            ScriptUtils.executeSqlScript(connection, new ByteArrayResource(script.getBytes()));
        }
    }

    private static int version(String schema) {
        return new SchemaInitializer(new StorageJdbc(dataSource, SchemaNames.of(schema))).currentVersion();
    }

    /** A task of a version 1 database, as version 1 code wrote it. */
    private record V1Task(String queue, String status, int attempts, String runAt, String owner, String lockedAt,
            String uniqueKey) {

        UUID insert(String schema, int n) {
            UUID id = UUID.randomUUID();
            boolean finished = status.equals("DONE") || status.equals("KILLED");
            jdbc.update("INSERT INTO " + schema + ".tasks (id, queue, payload, status, attempts, max_attempts, run_at, "
                    + "lock_owner, locked_at, last_error, unique_key, finished_at) VALUES (?, ?, ?::jsonb, ?, ?, 5, "
                    + runAt + ", ?, " + lockedAt + ", ?, ?, " + (finished ? "now()" : "NULL") + ")", id, queue,
                    "{\"n\": " + n + "}", status, attempts, owner, attempts > 0 ? "boom" : null, uniqueKey);
            return id;
        }
    }

    private static List<V1Task> everyState(String queue) {
        String due = "now() - interval '1 minute'";
        String future = "now() + interval '1 day'";
        String near = "now() + interval '2 seconds'";
        return List.of(new V1Task(queue, "PENDING", 0, due, null, "NULL", null),
                new V1Task(queue, "PENDING", 0, due, null, "NULL", "due-key"),
                new V1Task(queue, "PENDING", 0, near, null, "NULL", null),
                new V1Task(queue, "PENDING", 0, future, null, "NULL", null),
                new V1Task(queue, "PENDING", 0, future, null, "NULL", "future-key"),
                new V1Task(queue, "FAILED", 1, due, null, "NULL", null),
                new V1Task(queue, "FAILED", 2, future, null, "NULL", "failed-key"),
                new V1Task(queue, "RUNNING", 1, due, "live-" + queue, "now()", null),
                new V1Task(queue, "RUNNING", 1, due, "dead-" + queue, "now() - interval '1 hour'", "running-key"),
                new V1Task(queue, "DONE", 1, due, null, "NULL", "future-key"),
                new V1Task(queue, "KILLED", 5, due, null, "NULL", null));
    }

    /** The public view of every task: status, attempts, payload, queue, run time, unique key. */
    private static Map<UUID, String> publicView(PostgresStorage storage, List<UUID> ids) {
        Map<UUID, String> view = new HashMap<>();
        for (UUID id : ids) {
            Task task = storage.find(new TaskId(id)).orElseThrow();
            view.put(id, task.queue() + "|" + task.status() + "|" + task.attempts() + "|" + task.payload() + "|"
                    + task.runAt() + "|" + task.uniqueKey() + "|" + task.lastError());
        }
        return view;
    }

    @Test
    void aVersionOneDatabaseUpgradesOnStartUpWithNothingLostAndEveryTaskRunsToTheEnd() throws Exception {
        applyByHand("schema-v1.sql", "old");
        assertThat(version("old")).isEqualTo(1);
        List<UUID> ids = new ArrayList<>();
        Map<UUID, String> expected = new HashMap<>();
        int n = 0;
        for (String queue : List.of("mail", "reports", "images")) {
            for (V1Task task : everyState(queue)) {
                UUID id = task.insert("old", n++);
                ids.add(id);
                // what version 1 code would report: the stored status, verbatim
                expected.put(id, task.status());
            }
        }
        jdbc.update("INSERT INTO old.workers (id, name, queue) VALUES ('live-mail', 'w', 'mail'), "
                + "('live-reports', 'w', 'reports'), ('live-images', 'w', 'images')");
        Map<UUID, String> before = jdbc.query("SELECT id, payload::text, attempts, run_at, unique_key FROM old.tasks",
                rs -> {
                    Map<UUID, String> rows = new HashMap<>();
                    while (rs.next()) {
                        rows.put(rs.getObject(1, UUID.class), rs.getString(2) + "|" + rs.getInt(3) + "|"
                                + rs.getObject(4) + "|" + rs.getString(5));
                    }
                    return rows;
                });

        // two nodes start at once: one upgrades, the other waits for the lock and finds it done
        ExecutorService pool = Executors.newFixedThreadPool(2);
        List<PostgresStorage> storages = new ArrayList<>();
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<PostgresStorage>> starting = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                starting.add(pool.submit(() -> {
                    go.await();
                    return PostgresStorage.builder(dataSource).schema("old").maintenance(false).build();
                }));
            }
            go.countDown();
            for (Future<PostgresStorage> future : starting) {
                storages.add(future.get(60, TimeUnit.SECONDS));
            }
        }
        finally {
            pool.shutdownNow();
        }
        PostgresStorage storage = storages.get(0);
        try {
            assertThat(version("old")).isEqualTo(SchemaInitializer.LATEST_VERSION);
            assertThat(jdbc.queryForObject("SELECT count(*) FROM old.schema_version", Integer.class))
                .isEqualTo(SchemaInitializer.LATEST_VERSION);
            for (UUID id : ids) {
                assertThat(storage.find(new TaskId(id)).orElseThrow().status().name()).as("task %s", id)
                    .isEqualTo(expected.get(id));
            }
            assertThat(jdbc.queryForObject(
                    "SELECT count(*) FROM old.tasks WHERE status = 'SCHEDULED' AND run_at > now() + interval '1 hour'",
                    Integer.class)).as("far-future pending and failed tasks left the claim index").isEqualTo(9);
            Map<UUID, String> view = publicView(storage, ids);

            // again later, and by hand: nothing changes
            try (PostgresStorage later = PostgresStorage.builder(dataSource).schema("old").maintenance(false).build()) {
                assertThat(publicView(later, ids)).isEqualTo(view);
            }
            applyByHand("schema-v2.sql", "old");
            assertThat(publicView(storage, ids)).isEqualTo(view);
            Map<UUID, String> after = jdbc.query("SELECT id, payload::text, attempts, run_at, unique_key FROM old.tasks",
                    rs -> {
                        Map<UUID, String> rows = new HashMap<>();
                        while (rs.next()) {
                            rows.put(rs.getObject(1, UUID.class), rs.getString(2) + "|" + rs.getInt(3) + "|"
                                    + rs.getObject(4) + "|" + rs.getString(5));
                        }
                        return rows;
                    });
            assertThat(after).isEqualTo(before);

            // every unfinished task runs to the end: the future ones become due, the dead owner's is rescued
            jdbc.update("UPDATE old.tasks SET run_at = now() + interval '1 second' WHERE run_at > now()");
            storage.maintenance().promote();
            for (String queue : List.of("mail", "reports", "images")) {
                UUID live = jdbc.queryForObject("SELECT id FROM old.tasks WHERE lock_owner = ?", UUID.class,
                        "live-" + queue);
                storage.complete("live-" + queue, List.of(new Completion.Done(new TaskId(live))));
            }
            try (PostgresStorage rescuing = PostgresStorage.builder(dataSource).schema("old").maintenance(false)
                .orphanThreshold(Duration.ofSeconds(1)).build()) {
                assertThat(rescuing.maintenance().rescue()).isEqualTo(3);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                for (String queue : List.of("mail", "reports", "images")) {
                    List<Task> claimed = storage.claim(queue, "upgrader", 100);
                    storage.complete("upgrader", claimed.stream().map(t -> (Completion) new Completion.Done(t.id())).toList());
                }
                return jdbc.queryForObject("SELECT count(*) FROM old.tasks WHERE status NOT IN ('DONE', 'KILLED')",
                        Integer.class) == 0;
            });
            assertThat(jdbc.queryForObject("SELECT count(*) FROM old.tasks WHERE status = 'DONE'", Integer.class))
                .isEqualTo(30);
            assertThat(jdbc.queryForObject("SELECT count(*) FROM old.tasks", Integer.class)).isEqualTo(ids.size());
        }
        finally {
            for (PostgresStorage s : storages) {
                s.close();
            }
        }
    }

    @Test
    void theScriptsAppliedByHandGiveTheSchemaThatStartUpGives() throws Exception {
        try (PostgresStorage fresh = PostgresStorage.builder(dataSource).schema("by_start").maintenance(false).build()) {
            assertThat(fresh.schema()).isEqualTo("by_start");
        }
        applyByHand("schema-v1.sql", "by_hand");
        applyByHand("schema-v2.sql", "by_hand");
        applyByHand("schema-v3.sql", "by_hand");
        applyByHand("schema-v4.sql", "by_hand");
        applyByHand("schema-v1.sql", "upgraded");
        try (PostgresStorage upgraded = PostgresStorage.builder(dataSource).schema("upgraded").maintenance(false)
            .build()) {
            assertThat(version("upgraded")).isEqualTo(SchemaInitializer.LATEST_VERSION);
        }

        Map<String, List<String>> start = describe("by_start");
        assertThat(start.get("columns")).anyMatch(c -> c.startsWith("tasks.started_at|"))
            .anyMatch(c -> c.startsWith("workers.held|"));
        assertThat(start.get("indexes")).anyMatch(i -> i.contains("tasks_scheduled_idx"));
        assertThat(start.get("statistics")).containsExactly("tasks_queue_status_stats");
        assertThat(describe("by_hand")).isEqualTo(start);
        assertThat(describe("upgraded")).isEqualTo(start);
        assertThat(version("by_hand")).isEqualTo(SchemaInitializer.LATEST_VERSION);
    }

    /** Columns, indexes, constraints and statistics objects of a schema, with its name taken out. */
    private static Map<String, List<String>> describe(String schema) {
        Map<String, List<String>> description = new HashMap<>();
        description.put("columns", jdbc.queryForList("""
                SELECT table_name || '.' || column_name || '|' || data_type || '|' || is_nullable || '|'
                       || coalesce(column_default, '')
                FROM information_schema.columns WHERE table_schema = ? ORDER BY 1""", String.class, schema));
        description.put("indexes", jdbc.queryForList("""
                SELECT replace(indexdef, ?, 'S') FROM pg_indexes WHERE schemaname = ? ORDER BY indexname""",
                String.class, schema + ".", schema));
        description.put("constraints", jdbc.queryForList("""
                SELECT c.conrelid::regclass::text || '|' || c.conname || '|' || pg_get_constraintdef(c.oid)
                FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
                WHERE n.nspname = ? ORDER BY c.conname""", String.class, schema).stream()
            .map(c -> c.replace(schema + ".", "S."))
            .toList());
        description.put("statistics", jdbc.queryForList("""
                SELECT s.stxname FROM pg_statistic_ext s JOIN pg_namespace n ON n.oid = s.stxnamespace
                WHERE n.nspname = ? ORDER BY 1""", String.class, schema));
        return description;
    }

    /**
     * During a rolling deploy a version 1 node still inserts a far-future task as PENDING, into the
     * claim index: version 2 code claims it at its time all the same.
     */
    @Test
    void aFutureTaskInsertedTheVersionOneWayStartsAtItsTime() {
        Map<Integer, Instant> startedAt = new ConcurrentHashMap<>();
        try (PostgresStorage storage = PostgresStorage.builder(dataSource).schema("rolling").build()) {
            WorkerContext context = WorkerBuilder.named("rolling").queue("mixed").backend(storage)
                .pollInterval(Duration.ofSeconds(60))
                .build(Job.class, (job, ctx) -> startedAt.put(job.n(), Instant.now()))
                .start();
            try {
                storage.push(TestTasks.numbered("mixed", 0));
                await().atMost(Duration.ofSeconds(5)).until(() -> startedAt.containsKey(0));
                UUID id = UUID.randomUUID();
                // the insert of version 1's TaskPusher: no status column, so the default PENDING
                jdbc.update("""
                        INSERT INTO rolling.tasks (id, queue, payload, max_attempts, priority, run_at, unique_key, metadata)
                        VALUES (?, 'mixed', '{"n": 1}'::jsonb, 0, 0, now() + interval '7 seconds', NULL, '{}'::jsonb)""",
                        id);
                jdbc.queryForList("SELECT pg_notify('apalis_rolling', 'mixed')");
                Task task = storage.find(new TaskId(id)).orElseThrow();
                assertThat(task.status()).isEqualTo(TaskStatus.PENDING);
                assertThat(jdbc.queryForObject("SELECT status FROM rolling.tasks WHERE id = ?", String.class, id))
                    .isEqualTo("PENDING");

                await().atMost(Duration.ofSeconds(12)).until(() -> startedAt.containsKey(1));
                // at its time, not at the next poll a minute later: the row is in the claim index, where the next run time is found
                assertThat(startedAt.get(1)).isAfterOrEqualTo(task.runAt()).isBefore(task.runAt().plusMillis(900));
            }
            finally {
                context.stop();
            }
        }
    }
}
