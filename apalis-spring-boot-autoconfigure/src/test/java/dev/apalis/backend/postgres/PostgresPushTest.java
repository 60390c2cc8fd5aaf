package dev.apalis.backend.postgres;

import java.math.BigDecimal;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import dev.apalis.backend.Completion;
import dev.apalis.task.NewTask;
import dev.apalis.task.PayloadException;
import dev.apalis.task.Task;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskOptions;
import dev.apalis.task.TaskStatus;
import dev.apalis.test.PostgresDatabase;

import static dev.apalis.backend.postgres.TestTasks.numbered;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Pushes against a real PostgreSQL: batches, unique keys under concurrency, transactions, payloads.
 */
@PostgresDatabase
class PostgresPushTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static PostgresStorage storage;

    private static JdbcTemplate jdbc;

    private static TransactionTemplate transactions;

    private String queue;

    @BeforeAll
    static void createStorage(DataSource dataSource) {
        storage = PostgresStorage.builder(dataSource).maintenance(false).build();
        jdbc = new JdbcTemplate(dataSource);
        transactions = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
    }

    @AfterAll
    static void closeStorage() {
        storage.close();
    }

    @BeforeEach
    void queuePerTest(TestInfo info) {
        queue = info.getTestMethod().orElseThrow().getName();
    }

    private long rows(String queue) {
        return jdbc.queryForObject("SELECT count(*) FROM apalis.tasks WHERE queue = ?", Long.class, queue);
    }

    @Test
    void pushAllStoresEveryTaskAndReturnsTheIdsInOrder() {
        List<TaskId> ids = storage.pushAll(TestTasks.numbered(queue, 0, 2_000));

        assertThat(ids).hasSize(2_000).doesNotHaveDuplicates();
        assertThat(rows(queue)).isEqualTo(2_000);
        assertThat(TestTasks.n(storage.find(ids.get(1234)).orElseThrow())).isEqualTo(1234);
        assertThat(storage.pushAll(List.of())).isEmpty();
    }

    @Test
    void pushWithAUniqueKeyHeldByAnUnfinishedTaskReturnsTheExistingId() {
        TaskOptions unique = TaskOptions.defaults().uniqueKey("report:42");
        List<TaskId> first = storage.pushAll(List.of(numbered(queue, 1, unique), numbered(queue, 2, unique),
                numbered(queue, 3, TaskOptions.defaults().uniqueKey("other")), numbered(queue, 4)));
        assertThat(first.get(1)).as("same key in one batch").isEqualTo(first.get(0));
        assertThat(first.get(2)).isNotEqualTo(first.get(0));
        assertThat(rows(queue)).isEqualTo(3);

        assertThat(storage.push(numbered(queue, 5, unique))).isEqualTo(first.get(0));
        assertThat(storage.push(numbered(queue + "-elsewhere", 6, unique))).as("keys are per queue")
            .isNotEqualTo(first.get(0));

        // still held while running
        assertThat(storage.claim(queue, "w1", 10)).hasSize(3);
        assertThat(storage.push(numbered(queue, 7, unique))).isEqualTo(first.get(0));

        // released once finished
        storage.complete("w1", List.of(Completion.done(first.get(0))));
        TaskId next = storage.push(numbered(queue, 8, unique));
        assertThat(next).isNotEqualTo(first.get(0));
        assertThat(storage.find(next).orElseThrow().status()).isEqualTo(TaskStatus.PENDING);
        assertThat(TestTasks.n(storage.find(first.get(0)).orElseThrow())).isEqualTo(1);
    }

    @Test
    void eightConcurrentPushersOfOneUniqueKeyGetOneTaskAndTheSameId() throws Exception {
        int pushers = 8;
        int keys = 25;
        ExecutorService pool = Executors.newFixedThreadPool(pushers);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<List<TaskId>>> results = new ArrayList<>();
            for (int p = 0; p < pushers; p++) {
                int pusher = p;
                Callable<List<TaskId>> push = () -> {
                    start.await();
                    List<TaskId> ids = new ArrayList<>();
                    for (int k = 0; k < keys; k++) {
                        TaskOptions options = TaskOptions.defaults().uniqueKey("key-" + k);
                        // half the pushers push one by one, the others in batches with a fresh task in between
                        if (pusher % 2 == 0) {
                            ids.add(storage.push(numbered(queue, pusher, options)));
                        }
                        else {
                            ids.add(storage.pushAll(List.of(numbered(queue, pusher, options),
                                    numbered(queue + "-free", pusher))).get(0));
                        }
                    }
                    return ids;
                };
                results.add(pool.submit(push));
            }
            start.countDown();
            List<List<TaskId>> all = new ArrayList<>();
            for (Future<List<TaskId>> result : results) {
                all.add(result.get(30, TimeUnit.SECONDS));
            }
            for (int k = 0; k < keys; k++) {
                Set<TaskId> idsForKey = new HashSet<>();
                for (List<TaskId> ids : all) {
                    idsForKey.add(ids.get(k));
                }
                assertThat(idsForKey).as("ids returned for key-" + k).hasSize(1);
                assertThat(storage.find(idsForKey.iterator().next())).get().extracting(Task::uniqueKey)
                    .isEqualTo("key-" + k);
            }
            assertThat(rows(queue)).isEqualTo(keys);
            assertThat(rows(queue + "-free")).isEqualTo(keys * pushers / 2);
        }
        finally {
            pool.shutdownNow();
        }
    }

    @Test
    void pushInARolledBackTransactionLeavesNoTaskAndWakesNobody() {
        List<String> woken = new CopyOnWriteArrayList<>();
        String marker = queue + "-marker";
        try (var a = storage.subscribe(queue, () -> woken.add(queue));
                var b = storage.subscribe(marker, () -> woken.add(marker))) {
            // once a marker's notification is in, the listener listens and has done its wake-up of all
            roundTrip(marker, woken);

            TaskId id = transactions.execute(status -> {
                TaskId pushed = storage.push(numbered(queue, 1));
                assertThat(storage.find(pushed)).as("visible inside the transaction").isPresent();
                status.setRollbackOnly();
                return pushed;
            });

            assertThat(storage.find(id)).isEmpty();
            assertThat(rows(queue)).isZero();
            // notifications arrive in commit order: after the marker's, the rolled back one never comes
            roundTrip(marker, woken);
            assertThat(woken).containsOnly(marker);
        }
    }

    private static void roundTrip(String marker, List<String> woken) {
        woken.clear();
        storage.push(numbered(marker, 1));
        await().atMost(Duration.ofSeconds(5)).until(() -> woken.contains(marker));
    }

    @Test
    void subscribersAreWokenOnlyOnceThePushingTransactionCommits() {
        List<String> woken = new CopyOnWriteArrayList<>();
        String marker = queue + "-marker";
        try (var a = storage.subscribe(queue, () -> woken.add(queue));
                var b = storage.subscribe(marker, () -> woken.add(marker))) {
            roundTrip(marker, woken);

            transactions.executeWithoutResult(status -> {
                storage.push(numbered(queue, 1));
                // a push committed by another thread meanwhile is announced; this one is not, yet
                CompletableFuture.runAsync(() -> roundTrip(marker, woken)).join();
                assertThat(woken).containsOnly(marker);
            });

            await().atMost(Duration.ofSeconds(2)).until(() -> woken.contains(queue));
        }
    }

    @Test
    void pushInACommittedTransactionIsStoredWithTheBusinessDataAndWakesSubscribers() {
        jdbc.execute("CREATE TABLE IF NOT EXISTS public.orders (id int PRIMARY KEY)");
        List<String> woken = new CopyOnWriteArrayList<>();
        String marker = queue + "-marker";
        try (var a = storage.subscribe(queue, () -> woken.add(queue));
                var b = storage.subscribe(marker, () -> woken.add(marker))) {
            roundTrip(marker, woken);
            woken.clear();

            TaskId id = transactions.execute(status -> {
                jdbc.update("INSERT INTO public.orders (id) VALUES (1)");
                return storage.push(numbered(queue, 1));
            });

            assertThat(storage.find(id)).isPresent();
            assertThat(jdbc.queryForObject("SELECT count(*) FROM public.orders", Long.class)).isEqualTo(1);
            await().atMost(Duration.ofSeconds(2)).until(() -> woken.contains(queue));
        }
    }

    @Test
    void payloadThatIsNotJsonIsRefusedWithAMessageThatSaysWhatToDo() {
        assertThatThrownBy(() -> storage.push(new NewTask(queue, "not json", TaskOptions.defaults())))
            .isInstanceOf(PayloadException.class)
            .hasMessageContaining("queue '" + queue + "'")
            .hasMessageContaining("is not valid JSON")
            .hasMessageContaining("Pass the payload as valid JSON text");

        assertThatThrownBy(() -> storage.pushAll(List.of(numbered(queue, 1), new NewTask(queue, "{\"n\": ", null))))
            .isInstanceOf(PayloadException.class)
            .hasMessageContaining("task 2 of 2")
            .hasMessageContaining("nothing of this push was stored");

        assertThatThrownBy(() -> storage.push(new NewTask(queue, "\"nul \\u0000 inside\"", null)))
            .isInstanceOf(PayloadException.class)
            .hasMessageContaining("NUL character");
        assertThatThrownBy(() -> storage.push(new NewTask(queue, "\"raw nul \0 inside\"", null)))
            .isInstanceOf(PayloadException.class)
            .hasMessageContaining("NUL character");

        assertThat(rows(queue)).isZero();
    }

    @Test
    void anyValidJsonPayloadIsStoredAndReadBackAsTheSameJson() throws Exception {
        List<String> payloads = List.of("\"just a string\"", "42", "null", "true", "[1, 2, {\"a\": []}]",
                "{\"nested\":{\"list\":[true,null,1.25],\"text\":\"quote \\\" and \\\\ and \\n\"}}",
                "{\"unicode\": \"Zürich 東京 \uD83D\uDE00\"}", "{\"big\": 123456789012345678901234567890}");
        List<NewTask> tasks = payloads.stream().map(payload -> new NewTask(queue, payload, null)).toList();
        List<TaskId> ids = storage.pushAll(tasks);

        List<Task> claimed = storage.claim(queue, "w1", 100);

        assertThat(claimed).hasSize(payloads.size());
        for (int i = 0; i < payloads.size(); i++) {
            TaskId id = ids.get(i);
            Task task = claimed.stream().filter(t -> t.id().equals(id)).findFirst().orElseThrow();
            assertThat(JSON.readTree(task.payload())).isEqualTo(JSON.readTree(payloads.get(i)));
        }
    }

    @Test
    void metadataIsStoredAndReadBack() {
        TaskId id = storage.push(numbered(queue, 1, TaskOptions.defaults().metadata("traceparent", "00-abc-01")
            .metadata("quote", "a \"b\" \\ c")));

        assertThat(storage.find(id).orElseThrow().metadata()).containsOnly(
                Map.entry("traceparent", "00-abc-01"), Map.entry("quote", "a \"b\" \\ c"));

        jdbc.update("UPDATE apalis.tasks SET metadata = '{\"n\": 1, \"o\": {\"x\": true}, \"s\": \"t\"}' WHERE id = ?",
                id.value());
        assertThat(storage.find(id).orElseThrow().metadata()).as("values edited by hand are read as their JSON")
            .containsOnly(Map.entry("n", "1"), Map.entry("o", "{\"x\":true}"),
                    Map.entry("s", "t"));
    }

    @Test
    void delayAndRunAtUseTheDatabaseClockOrTheGivenInstant() {
        Instant at = Instant.parse("2030-01-02T03:04:05.123456789Z");
        TaskId fixed = storage.push(numbered(queue, 1, TaskOptions.defaults().runAt(at)));
        TaskId delayed = storage.push(numbered(queue, 2, TaskOptions.defaults().delay(Duration.ofHours(2))));
        TaskId now = storage.push(numbered(queue, 3));

        assertThat(storage.find(fixed).orElseThrow().runAt()).as("cut to microseconds, never later")
            .isEqualTo(Instant.parse("2030-01-02T03:04:05.123456Z"));
        Long delaySeconds = jdbc.queryForObject(
                "SELECT round(extract(epoch FROM run_at - created_at)) FROM apalis.tasks WHERE id = ?", Long.class,
                delayed.value());
        assertThat(delaySeconds).isEqualTo(7200);
        Task task = storage.find(now).orElseThrow();
        assertThat(task.runAt()).isEqualTo(task.createdAt());
    }

    @Test
    void aTaskPushedAloneIsStoredAsTheSameTaskPushedInABatch() {
        Instant at = Instant.parse("2030-01-02T03:04:05.123456Z");
        List<TaskOptions> variants = List.of(TaskOptions.defaults(), TaskOptions.defaults().runAt(at),
                TaskOptions.defaults().delay(Duration.ofHours(2)),
                TaskOptions.defaults().delay(Duration.ofMillis(10)),
                TaskOptions.defaults().priority(-3).maxAttempts(7),
                TaskOptions.defaults().uniqueKey("key").metadata("tenant", "a \"b\""));
        List<NewTask> batch = new ArrayList<>();
        for (int n = 0; n < variants.size(); n++) {
            batch.add(numbered(queue + "-batch", n, variants.get(n)));
            storage.push(numbered(queue + "-alone", n, variants.get(n)));
        }
        storage.pushAll(batch);

        String columns = "SELECT payload::text, status, priority, max_attempts, attempts, unique_key, metadata::text, "
                + "run_at = ? AS at_fixed_time, "
                + "CASE WHEN run_at < created_at + interval '1 day' "
                + "THEN round(extract(epoch FROM run_at - created_at)) END AS delay_seconds "
                + "FROM apalis.tasks WHERE queue = ? ORDER BY payload->>'n'";
        List<Map<String, Object>> alone = jdbc.queryForList(columns, Timestamp.from(at),
                queue + "-alone");
        List<Map<String, Object>> batched = jdbc.queryForList(columns, Timestamp.from(at),
                queue + "-batch");

        assertThat(alone).hasSize(variants.size()).isEqualTo(batched);
        assertThat(alone).extracting(row -> row.get("status"))
            .containsExactly("PENDING", "SCHEDULED", "SCHEDULED", "PENDING", "PENDING", "PENDING");
        assertThat(alone.get(1).get("at_fixed_time")).isEqualTo(true);
        assertThat(alone.get(2).get("delay_seconds")).isEqualTo(new BigDecimal("7200"));
    }

    @Test
    void queueNamesAndUniqueKeysMustFitTheIndexes() {
        String longQueue = "q".repeat(PushInput.MAX_QUEUE_LENGTH + 1);
        assertThatIllegalArgumentException().isThrownBy(() -> storage.push(numbered(longQueue, 1)))
            .withMessageContaining("at most 255 characters");
        assertThatIllegalArgumentException()
            .isThrownBy(() -> storage.push(numbered(queue, 1, TaskOptions.defaults().uniqueKey("k".repeat(501)))))
            .withMessageContaining("at most 500 characters");
        assertThatIllegalArgumentException().isThrownBy(() -> storage.push(numbered("nul\0queue", 1)))
            .withMessageContaining("NUL character");
        assertThat(storage.push(numbered("q".repeat(255), 1))).isNotNull();
    }
}
