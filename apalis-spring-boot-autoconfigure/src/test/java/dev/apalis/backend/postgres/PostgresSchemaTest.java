package dev.apalis.backend.postgres;

import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.sql.DataSource;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.core.io.ByteArrayResource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.init.ScriptUtils;

import dev.apalis.task.TaskId;
import dev.apalis.task.TaskOptions;
import dev.apalis.test.PostgresDatabase;

import static dev.apalis.backend.postgres.TestTasks.numbered;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * The schema: created on build, idempotent, versioned, safe when nodes start at once, validated
 * names, the shipped SQL file, and claim plans (bounded by priority or not) that use the claim index
 * without sorting.
 */
@PostgresDatabase
class PostgresSchemaTest {

    private static DataSource dataSource;

    private static JdbcTemplate jdbc;

    @BeforeAll
    static void setUp(DataSource source) {
        dataSource = source;
        jdbc = new JdbcTemplate(source);
    }

    private static boolean schemaExists(String schema) {
        return Boolean.TRUE.equals(
                jdbc.queryForObject("SELECT to_regnamespace(?) IS NOT NULL", Boolean.class, '"' + schema + '"'));
    }

    /** The rows the scan of the claim index returned, in a plan of EXPLAIN ANALYZE. */
    private static int indexRowsRead(String plan) {
        Matcher scan = Pattern.compile("Index Scan using tasks_claim_idx .*actual time=\\S+ rows=(\\d+)").matcher(plan);
        assertThat(scan.find()).as(plan).isTrue();
        return Integer.parseInt(scan.group(1));
    }

    /** The shared buffers a whole statement touched: the first Buffers line of a plan is its top node's. */
    private static int sharedBuffers(String plan) {
        Matcher top = Pattern.compile("Buffers: shared([^\\n]*)").matcher(plan);
        assertThat(top.find()).as(plan).isTrue();
        return Pattern.compile("(?:hit|read)=(\\d+)").matcher(top.group(1)).results()
            .mapToInt(found -> Integer.parseInt(found.group(1)))
            .sum();
    }

    private static String indexDefinition(String schema, String index) {
        return jdbc.queryForObject("SELECT indexdef FROM pg_indexes WHERE schemaname = ? AND indexname = ?",
                String.class, schema, index);
    }

    @Test
    void buildCreatesTheVersionedSchemaWithItsIndexes() {
        try (PostgresStorage storage = PostgresStorage.builder(dataSource).schema("created").maintenance(false).build()) {
            assertThat(storage.schema()).isEqualTo("created");
        }

        assertThat(jdbc.queryForList("SELECT version FROM created.schema_version ORDER BY version", Integer.class))
            .containsExactly(1, 2, 3, 4);
        assertThat(jdbc.queryForList("SELECT table_name FROM information_schema.tables WHERE table_schema = 'created'",
                String.class)).containsExactlyInAnyOrder("tasks", "workers", "schema_version", "queues", "schedules");
        assertThat(indexDefinition("created", "tasks_claim_idx"))
            .contains("(queue, priority, run_at, id)")
            .contains("WHERE (status = ANY (ARRAY['PENDING'::text, 'FAILED'::text]))");
        assertThat(indexDefinition("created", "tasks_unique_key_idx"))
            .startsWith("CREATE UNIQUE INDEX")
            .contains("(queue, unique_key)")
            .contains("unique_key IS NOT NULL")
            .contains("status <> ALL (ARRAY['DONE'::text, 'KILLED'::text])");
        assertThat(indexDefinition("created", "tasks_running_idx")).contains("(lock_owner, locked_at)")
            .contains("WHERE (status = 'RUNNING'::text)");
        assertThat(indexDefinition("created", "tasks_finished_idx")).contains("(status, finished_at)");
        assertThat(indexDefinition("created", "tasks_scheduled_idx")).contains("(queue, run_at)")
            .contains("WHERE (status = 'SCHEDULED'::text)");
        assertThat(jdbc.queryForObject("SELECT data_type FROM information_schema.columns "
                + "WHERE table_schema = 'created' AND table_name = 'tasks' AND column_name = 'payload'", String.class))
            .isEqualTo("jsonb");
    }

    @Test
    void initializingAgainKeepsTheSchemaAndItsData() {
        TaskId id;
        try (PostgresStorage storage = PostgresStorage.builder(dataSource).schema("twice").maintenance(false).build()) {
            id = storage.push(numbered("q", 1));
        }
        // an upgrade pass that finds the version row missing re-runs the DDL: it must change nothing
        jdbc.update("DELETE FROM twice.schema_version");

        try (PostgresStorage storage = PostgresStorage.builder(dataSource).schema("twice").maintenance(false).build()) {
            assertThat(storage.find(id)).isPresent();
        }
        try (PostgresStorage storage = PostgresStorage.builder(dataSource).schema("twice").maintenance(false).build()) {
            assertThat(storage.find(id)).isPresent();
            assertThat(storage.claim("q", "w", 10)).hasSize(1);
        }
        assertThat(jdbc.queryForList("SELECT version FROM twice.schema_version ORDER BY version", Integer.class))
            .containsExactly(1, 2, 3, 4);
    }

    @Test
    void nodesStartingAtOnceInitializeTheSchemaOneAfterAnother() throws Exception {
        int nodes = 6;
        ExecutorService pool = Executors.newFixedThreadPool(nodes);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<String>> results = new ArrayList<>();
            for (int i = 0; i < nodes; i++) {
                Callable<String> node = () -> {
                    start.await();
                    try (PostgresStorage storage = PostgresStorage.builder(dataSource).schema("racing")
                        .maintenance(false).build()) {
                        return storage.schema();
                    }
                };
                results.add(pool.submit(node));
            }
            start.countDown();
            for (Future<String> result : results) {
                assertThat(result.get(30, TimeUnit.SECONDS)).isEqualTo("racing");
            }
        }
        finally {
            pool.shutdownNow();
        }
        assertThat(jdbc.queryForList("SELECT version FROM racing.schema_version ORDER BY version", Integer.class))
            .containsExactly(1, 2, 3, 4);
    }

    @ParameterizedTest
    @ValueSource(strings = { "x; drop table", "apalis.tasks", "\"apalis\"", "", "1apalis", "pg_catalog", "a-b",
            "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijkl" })
    void schemaNamesThatAreNotPlainIdentifiersAreRejected(String name) {
        assertThatIllegalArgumentException().isThrownBy(() -> PostgresStorage.builder(dataSource).schema(name))
            .withMessageContaining("Invalid schema name '" + name + "'")
            .withMessageContaining("such as apalis");
        assertThat(schemaExists("x")).isFalse();
    }

    @Test
    void schemaNamesAreCaseInsensitiveAndStoredInLowerCase() {
        try (PostgresStorage storage = PostgresStorage.builder(dataSource).schema("Mixed_Case_1").maintenance(false)
            .build()) {
            assertThat(storage.schema()).isEqualTo("mixed_case_1");
            storage.push(numbered("q", 1));
        }
        assertThat(jdbc.queryForObject("SELECT count(*) FROM mixed_case_1.tasks", Long.class)).isEqualTo(1);
        // a reserved word is a valid name too, since it is always quoted
        try (PostgresStorage storage = PostgresStorage.builder(dataSource).schema("select").maintenance(false).build()) {
            storage.push(numbered("q", 1));
            assertThat(storage.claim("q", "w", 1)).hasSize(1);
        }
    }

    @Test
    void withoutInitializationNothingIsCreated() {
        try (PostgresStorage storage = PostgresStorage.builder(dataSource).schema("not_created").initializeSchema(false)
            .maintenance(false).build()) {
            assertThat(storage.schema()).isEqualTo("not_created");
        }
        assertThat(schemaExists("not_created")).isFalse();
    }

    @Test
    void theShippedSqlFilesAppliedByAMigrationToolGiveAWorkingSchema() throws Exception {
        for (String file : List.of("schema-v1.sql", "schema-v2.sql", "schema-v3.sql", "schema-v4.sql")) {
            String script = SchemaInitializer.script(file, "by_flyway");
            assertThat(script).doesNotContain("${schema}").doesNotContainIgnoringCase("drop index")
                .doesNotContainIgnoringCase("drop table").doesNotContainIgnoringCase("drop column");
            try (Connection connection = dataSource.getConnection()) {
                ScriptUtils.executeSqlScript(connection, new ByteArrayResource(script.getBytes()));
            }
        }

        try (PostgresStorage storage = PostgresStorage.builder(dataSource).schema("by_flyway").initializeSchema(false)
            .maintenance(false).build()) {
            TaskId id = storage.push(numbered("q", 1));
            assertThat(storage.claim("q", "w", 1)).singleElement().extracting(t -> t.id()).isEqualTo(id);
            assertThat(new SchemaInitializer(new StorageJdbc(dataSource, SchemaNames.of("by_flyway"))).currentVersion())
                .isEqualTo(SchemaInitializer.LATEST_VERSION);
        }
    }

    @Test
    void claimReadsTheClaimIndexInOrderWithoutSortingTheQueue() {
        try (PostgresStorage storage = PostgresStorage.builder(dataSource).schema("planned").maintenance(false).build()) {
            // one batch: every row gets the same run time, the case where a missing id tie-break forced a sort
            storage.pushAll(TestTasks.numbered("big", 0, 20_000));
            storage.pushAll(TestTasks.numbered("small", 0, 10));
            jdbc.execute("ANALYZE planned.tasks");
            String claim = SchemaNames.of("planned").expand(TaskClaimer.CLAIM);

            List<String> plan = jdbc.queryForList("EXPLAIN " + claim, String.class, "big", "big", 50, 10, 25, "w");

            String text = String.join("\n", plan);
            assertThat(text).contains("tasks_claim_idx").doesNotContain("Sort");
            assertThat(text).as("the claimed rows found by their ctid, not by a scan of the table")
                .contains("Tid Scan").doesNotContain("Seq Scan");
            assertThat(storage.claim("big", "w", 50)).hasSize(50);

            // The claim bounded by priority, run (EXPLAIN ANALYZE runs the update): with no task below the bound
            // it stops at the first index entry, and with some it reads only as many as it claims.
            String below = "EXPLAIN (ANALYZE, BUFFERS) " + SchemaNames.of("planned").expand(TaskClaimer.CLAIM_BELOW);
            String nothingBelow = String.join("\n",
                    jdbc.queryForList(below, String.class, "big", 0, "big", 8, 0, 25, "w"));
            assertThat(nothingBelow).contains("tasks_claim_idx").contains("priority < 0").contains("Tid Scan")
                .doesNotContain("Sort").doesNotContain("Seq Scan");
            assertThat(indexRowsRead(nothingBelow)).isZero();
            assertThat(sharedBuffers(nothingBelow)).as("one probe of 20,000 entries").isLessThan(20);

            storage.pushAll(List.of(numbered("big", -1, TaskOptions.defaults().priority(-10)),
                    numbered("big", -2, TaskOptions.defaults().priority(-10)),
                    numbered("big", -3, TaskOptions.defaults().priority(-10))));
            String twoBelow = String.join("\n", jdbc.queryForList(below, String.class, "big", 0, "big", 2, 0, 25, "w"));
            assertThat(twoBelow).contains("Tid Scan").doesNotContain("Seq Scan").doesNotContain("Sort");
            assertThat(indexRowsRead(twoBelow)).as("as many entries as claimed").isEqualTo(2);
            assertThat(jdbc.queryForObject(
                    "SELECT count(*) FROM planned.tasks WHERE priority = -10 AND status = 'RUNNING'", Integer.class))
                .isEqualTo(2);

            String nextRunAt = SchemaNames.of("planned").expand(TaskClaimer.NEXT_RUN_AT);
            String nextPlan = String.join("\n", jdbc.queryForList("EXPLAIN " + nextRunAt, String.class, "big", "big",
                    "big", "big"));
            assertThat(nextPlan).as("a probe per priority, not a scan of the queue").contains("Recursive Union")
                .contains("tasks_claim_idx").contains("tasks_scheduled_idx").doesNotContain("Seq Scan")
                .doesNotContain("Sort");
        }
    }
}
