package dev.apalis.reliability;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.DefaultTyping;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.jsontype.BasicPolymorphicTypeValidator;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.jdbc.core.JdbcTemplate;

import dev.apalis.backend.WorkerRegistration;
import dev.apalis.backend.postgres.PostgresStorage;
import dev.apalis.task.AbortTaskException;
import dev.apalis.task.JsonPayloadCodec;
import dev.apalis.task.NewTask;
import dev.apalis.task.Task;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskOptions;
import dev.apalis.task.TaskStatus;
import dev.apalis.spring.boot.ApalisAutoConfiguration;
import dev.apalis.test.PostgresDatabase;
import dev.apalis.test.TestPostgres;
import dev.apalis.worker.WorkerBuilder;
import dev.apalis.worker.WorkerContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * What an attacker who controls some input can do: the schema name is the only text that becomes
 * part of SQL and it must be a plain identifier; every other value (queue, payload, unique key,
 * metadata, worker name, error text) is a bind parameter and comes back verbatim; payloads are read
 * only as the handler's declared type, never as a class named in the payload.
 */
@PostgresDatabase
class SecurityTest {

    /** Texts that would break SQL built by concatenation, or templating of the SQL text. */
    static final List<String> HOSTILE = List.of(
            "'); DROP TABLE sec.tasks; --",
            "\"; DROP SCHEMA sec CASCADE; --",
            "$$; DELETE FROM sec.tasks; $$",
            "' OR '1'='1",
            "\\'; SELECT pg_sleep(10); --",
            "{tasks} {workers} ${schema} %s %n ? $1",
            "Ünïcödé ✓ 日本語 \uD83D\uDE00",
            "back\\slash \"quote\" \n newline \t tab");

    record Text(String text) {
    }

    record Job(int n, String label) {
    }

    record Envelope(Object body) {
    }

    /** A class a payload may name; counts its instances so that the test sees any. */
    public static class Gadget {

        static final AtomicInteger CREATED = new AtomicInteger();

        private String command;

        public Gadget() {
            CREATED.incrementAndGet();
        }

        public String getCommand() {
            return command;
        }

        public void setCommand(String command) {
            this.command = command;
        }
    }

    private static PostgresStorage storage;

    private static JdbcTemplate jdbc;

    private static TaskId canary;

    @BeforeAll
    static void storage(DataSource dataSource) {
        storage = PostgresStorage.builder(dataSource).schema("sec").build();
        jdbc = new JdbcTemplate(dataSource);
        canary = storage.push(new NewTask("canary", "{\"n\": 0, \"label\": \"canary\"}", null));
    }

    @AfterAll
    static void tablesAreIntact() {
        try {
            assertThat(jdbc.queryForList("SELECT to_regclass(t)::text FROM unnest(ARRAY['sec.tasks', 'sec.workers', "
                    + "'sec.schema_version']) t", String.class)).containsExactly("sec.tasks", "sec.workers",
                            "sec.schema_version");
            assertThat(storage.find(canary)).as("a task pushed before the attempts").isPresent();
        }
        finally {
            storage.close();
        }
    }

    @Test
    void theSchemaNameIsAPlainIdentifierOrRefused(DataSource dataSource) {
        List<String> refused = List.of("apalis; DROP TABLE sec.tasks; --", "sec.tasks", "\"sec\"",
                "sec\"; DROP SCHEMA sec CASCADE; --", "a b", "", " ", "1abc", "x".repeat(64), "pg_catalog", "sec--",
                "sec;", "ßchema", "sec\u0000", "sec$");
        for (String schema : refused) {
            assertThatThrownBy(() -> PostgresStorage.builder(dataSource).schema(schema)).as(schema)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("Invalid schema name '" + schema + "'");
        }
        assertThatThrownBy(() -> PostgresStorage.builder(dataSource).schema(null)).isInstanceOf(NullPointerException.class);
        // names are folded to lower case, as PostgreSQL folds unquoted identifiers
        try (PostgresStorage upper = PostgresStorage.builder(dataSource).schema("SEC").maintenance(false)
            .initializeSchema(false).build()) {
            assertThat(upper.schema()).isEqualTo("sec");
        }
        Figures.of("security-schema-names").put("refused", refused.size()).print();
    }

    @Test
    void theSchemaPropertyIsValidatedBeforeAnythingReachesTheDatabase(TestPostgres.Database database) {
        List<String> schemasBefore = schemas();
        ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class, ApalisAutoConfiguration.class))
            .withPropertyValues("spring.datasource.url=" + database.jdbcUrl(),
                    "spring.datasource.username=" + database.username(),
                    "spring.datasource.password=" + database.password());
        for (String schema : List.of("sec; DROP TABLE sec.tasks", "sec\"; DROP SCHEMA sec CASCADE; --", "public.tasks",
                "pg_temp")) {
            runner.withPropertyValues("apalis.jdbc.schema=" + schema).run(context -> {
                assertThat(context).as(schema).hasFailed();
                assertThat(context.getStartupFailure()).as(schema).hasStackTraceContaining("apalis.jdbc.schema=")
                    .hasStackTraceContaining("): must");
            });
        }
        assertThat(schemas()).as("schemas after the attempts").isEqualTo(schemasBefore);
    }

    private static List<String> schemas() {
        return jdbc.queryForList("SELECT nspname FROM pg_namespace ORDER BY nspname", String.class);
    }

    @Test
    void everyValueIsABindParameterAndComesBackVerbatim() throws Exception {
        JsonPayloadCodec codec = JsonPayloadCodec.withDefaults();
        Map<String, TaskId> first = new LinkedHashMap<>();
        Map<String, TaskId> second = new LinkedHashMap<>();
        Map<TaskId, String> received = new ConcurrentHashMap<>();
        for (String hostile : HOSTILE) {
            TaskOptions options = TaskOptions.defaults().uniqueKey(hostile).metadata(hostile, hostile)
                .metadata("trace", hostile);
            TaskId id = storage.push(new NewTask(hostile, codec.encode(new Text(hostile)), options));
            assertThat(storage.push(new NewTask(hostile, codec.encode(new Text("again")), options)))
                .as("the unique key matches itself, verbatim").isEqualTo(id);
            first.put(hostile, id);
        }
        List<WorkerContext> workers = new ArrayList<>();
        try {
            for (String hostile : HOSTILE) {
                // worker name and queue: hostile; after the first claim only notifications wake it (the poll is a minute)
                workers.add(WorkerBuilder.named(hostile).backend(storage).pollInterval(Duration.ofSeconds(60))
                    .build(Text.class, (payload, ctx) -> {
                        received.put(ctx.taskId(), payload.text());
                        throw new AbortTaskException("refused: " + payload.text());
                    })
                    .start());
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> allFinished(first.values()));
            for (String hostile : HOSTILE) {
                second.put(hostile, storage.push(new NewTask(hostile, codec.encode(new Text(hostile)),
                        TaskOptions.defaults().uniqueKey(hostile))));
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> allFinished(second.values()));
        }
        finally {
            for (WorkerContext worker : workers) {
                worker.stop();
            }
            for (WorkerContext worker : workers) {
                assertThat(worker.awaitTermination(Duration.ofSeconds(30))).isTrue();
            }
        }
        for (String hostile : HOSTILE) {
            Task task = storage.find(first.get(hostile)).orElseThrow();
            assertThat(task.queue()).isEqualTo(hostile);
            assertThat(task.uniqueKey()).isEqualTo(hostile);
            assertThat(task.metadata()).containsExactlyInAnyOrderEntriesOf(Map.of(hostile, hostile, "trace", hostile));
            assertThat(codec.<Text>decode(task.payload(), Text.class).text()).isEqualTo(hostile);
            assertThat(received).containsEntry(task.id(), hostile).containsEntry(second.get(hostile), hostile);
            assertThat(task.status()).isEqualTo(TaskStatus.KILLED);
            assertThat(task.lastError()).startsWith(AbortTaskException.class.getName() + ": refused: " + hostile + "\n");
        }
        assertThat(jdbc.queryForObject("SELECT count(*) FROM sec.tasks WHERE queue = ANY (?)", Long.class,
                (Object) HOSTILE.toArray(String[]::new))).isEqualTo(2L * HOSTILE.size());
        Figures.of("security-bind-parameters").put("hostileTexts", HOSTILE.size())
            .put("roundTrips", "\"queue, payload, unique key, metadata key and value, worker name, error text\"")
            .print();
    }

    private static boolean allFinished(java.util.Collection<TaskId> ids) {
        return ids.stream().allMatch(id -> storage.find(id).orElseThrow().status().isFinished());
    }

    @Test
    void aRescueNamesAHostileWorkerVerbatim(DataSource dataSource) {
        String hostile = HOSTILE.get(0);
        String workerId = hostile + "-ghost";
        try (PostgresStorage rescuer = PostgresStorage.builder(dataSource).schema("sec")
            .orphanThreshold(Duration.ofSeconds(1)).build()) {
            TaskId id = storage.push(new NewTask("rescue " + hostile, "{\"text\": \"x\"}", null));
            storage.register(new WorkerRegistration(workerId, hostile, "rescue " + hostile));
            assertThat(storage.claim("rescue " + hostile, workerId, 1)).hasSize(1); // then it never heart-beats
            await().atMost(Duration.ofSeconds(20))
                .until(() -> storage.find(id).orElseThrow().status() == TaskStatus.PENDING);
            assertThat(rescuer.find(id).orElseThrow().lastError()).isEqualTo("Interrupted: worker " + workerId
                    + " stopped heart-beating during attempt 1; the task was put back in the queue");
        }
    }

    @Test
    void payloadsAreReadAsTheDeclaredTypeNeverAsAClassTheyName(@TempDir Path dir) throws Exception {
        Path marker = dir.resolve("pwned");
        String gadget = Gadget.class.getName();
        List<String> payloads = List.of(
                "{\"n\": 1, \"@class\": \"" + gadget + "\", \"command\": \"touch " + marker + "\"}",
                "[\"" + gadget + "\", {\"command\": \"touch " + marker + "\"}]",
                "{\"n\": 2, \"@type\": \"" + gadget + "\"}",
                "{\"n\": 3, \"@c\": \".SecurityTest$Gadget\"}",
                "{\"n\": 4, \"@class\": \"java.lang.ProcessBuilder\", \"command\": [\"touch\", \"" + marker + "\"]}",
                "{\"body\": {\"@class\": \"" + gadget + "\", \"command\": \"touch " + marker + "\"}}",
                "{\"body\": [\"" + gadget + "\", {\"command\": \"touch " + marker + "\"}]}",
                "{\"body\": [\"java.lang.ProcessBuilder\", [\"touch\", \"" + marker + "\"]]}");
        Gadget.CREATED.set(0);
        List<Object> seen = new CopyOnWriteArrayList<>();
        List<TaskId> ids = new ArrayList<>();
        List<WorkerContext> workers = List.of(
                WorkerBuilder.named("typed-record").backend(storage).build(Job.class, (job, ctx) -> seen.add(job)).start(),
                WorkerBuilder.named("typed-object").backend(storage).build(Object.class, (body, ctx) -> seen.add(body))
                    .start(),
                WorkerBuilder.named("typed-envelope").backend(storage)
                    .build(Envelope.class, (envelope, ctx) -> seen.add((envelope.body() != null) ? envelope.body() : "no body"))
                    .start());
        try {
            for (String payload : payloads) {
                for (String queue : List.of("typed-record", "typed-object", "typed-envelope")) {
                    ids.add(storage.push(new NewTask(queue, payload, TaskOptions.defaults().maxAttempts(1))));
                }
            }
            await().atMost(Duration.ofSeconds(30))
                .until(() -> ids.stream().allMatch(id -> storage.find(id).orElseThrow().status().isFinished()));
        }
        finally {
            for (WorkerContext worker : workers) {
                worker.stop();
                assertThat(worker.awaitTermination(Duration.ofSeconds(30))).isTrue();
            }
        }
        assertThat(Gadget.CREATED.get()).as("instances of the class the payload named").isZero();
        assertThat(Files.exists(marker)).as("a process was started").isFalse();
        assertThat(seen).isNotEmpty().allSatisfy(value -> assertThat(value)
            .isInstanceOfAny(Job.class, Map.class, List.class, String.class, Number.class, Boolean.class)
            .isNotInstanceOfAny(Gadget.class, ProcessBuilder.class));
        long done = ids.stream().filter(id -> storage.find(id).orElseThrow().status() == TaskStatus.DONE).count();
        long killed = ids.stream().filter(id -> storage.find(id).orElseThrow().status() == TaskStatus.KILLED).count();
        assertThat(ids).allSatisfy(id -> {
            Task task = storage.find(id).orElseThrow();
            if (task.status() == TaskStatus.KILLED) {
                assertThat(task.lastError()).startsWith("dev.apalis.task.PayloadException: Cannot read the payload as");
            }
        });

        // the control: a mapper with default typing (never do this) would have built the gadget
        JsonMapper unsafe = JsonMapper.builder()
            .activateDefaultTyping(BasicPolymorphicTypeValidator.builder().allowIfSubType("dev.apalis.").build(),
                    DefaultTyping.NON_FINAL)
            .build();
        Object built = new JsonPayloadCodec(unsafe).decode(payloads.get(1), Object.class);
        assertThat(built).isInstanceOf(Gadget.class);
        assertThat(Gadget.CREATED.get()).isEqualTo(1);

        Figures.of("security-payload-types")
            .put("payloads", payloads.size())
            .put("declaredTypes", "\"record, Object, record with an Object field\"")
            .put("done", done)
            .put("killedAsUnreadable", killed)
            .put("gadgetsBuilt", 0)
            .put("gadgetsBuiltWithDefaultTypingOn", 1)
            .print();
    }
}
