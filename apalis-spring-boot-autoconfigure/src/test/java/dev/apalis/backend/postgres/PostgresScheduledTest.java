package dev.apalis.backend.postgres;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.jdbc.core.JdbcTemplate;

import dev.apalis.backend.Backend;
import dev.apalis.backend.Completion;
import dev.apalis.backend.QueueCount;
import dev.apalis.task.Task;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskOptions;
import dev.apalis.task.TaskStatus;
import dev.apalis.test.PostgresDatabase;
import dev.apalis.worker.WorkerBuilder;
import dev.apalis.worker.WorkerContext;

import static dev.apalis.backend.postgres.TestTasks.numbered;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The scheduled state against a real PostgreSQL: far-future tasks wait outside the claim index, read
 * as pending or failed, are promoted once and on time by one node, and cost the claim nothing.
 */
@PostgresDatabase
class PostgresScheduledTest {

    record Job(int n) {
    }

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static PostgresStorage storage;

    private static JdbcTemplate jdbc;

    private final List<WorkerContext> started = new ArrayList<>();

    private String queue;

    @BeforeAll
    static void createStorage(DataSource dataSource) {
        storage = PostgresStorage.builder(dataSource).maintenance(false).build();
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

    @AfterEach
    void stopWorkers() throws InterruptedException {
        for (WorkerContext context : started) {
            context.stop();
        }
        for (WorkerContext context : started) {
            assertThat(context.awaitTermination(Duration.ofSeconds(10))).isTrue();
        }
    }

    private String stored(TaskId id) {
        return jdbc.queryForObject("SELECT status FROM apalis.tasks WHERE id = ?", String.class, id.value());
    }

    private long count(Backend backend, String queue, TaskStatus status) {
        return backend.countByQueueAndStatus().stream()
            .filter(c -> c.queue().equals(queue) && c.status() == status)
            .mapToLong(QueueCount::count)
            .sum();
    }

    @Test
    void aTaskBeyondTheWindowIsStoredScheduledAndReadsAsPending() {
        TaskId far = storage.push(numbered(queue, 1, TaskOptions.defaults().delay(Duration.ofHours(1))));
        TaskId near = storage.push(numbered(queue, 2, TaskOptions.defaults().delay(Duration.ofSeconds(2))));
        TaskId now = storage.push(numbered(queue, 3));

        assertThat(stored(far)).isEqualTo("SCHEDULED");
        assertThat(stored(near)).isEqualTo("PENDING");
        assertThat(stored(now)).isEqualTo("PENDING");
        assertThat(storage.find(far).orElseThrow().status()).isEqualTo(TaskStatus.PENDING);
        assertThat(count(storage, queue, TaskStatus.PENDING)).isEqualTo(3);
        assertThat(storage.claim(queue, "w", 10)).extracting(Task::id).containsExactly(now);
        assertThat(storage.nextRunIn(queue)).hasValueSatisfying(in -> assertThat(in)
            .isBetween(Duration.ZERO, Duration.ofSeconds(2)));
    }

    @Test
    void aRetryBeyondTheWindowIsScheduledReadsAsFailedAndCanBeCancelled() {
        TaskId id = storage.push(numbered(queue, 1));
        storage.claim(queue, "w", 1);
        storage.complete("w", List.of(new Completion.Retry(id, Duration.ofMinutes(10), "boom")));
        Instant retryAt = storage.find(id).orElseThrow().runAt();

        assertThat(stored(id)).isEqualTo("SCHEDULED");
        Task task = storage.find(id).orElseThrow();
        assertThat(task.status()).isEqualTo(TaskStatus.FAILED);
        assertThat(task.attempts()).isEqualTo(1);
        assertThat(count(storage, queue, TaskStatus.FAILED)).isEqualTo(1);
        assertThat(storage.nextRunIn(queue)).hasValueSatisfying(in -> assertThat(in)
            .isBetween(Duration.ofMinutes(9), Duration.ofMinutes(10)));

        assertThat(storage.cancel(id)).isTrue();
        assertThat(storage.find(id).orElseThrow().status()).isEqualTo(TaskStatus.KILLED);
    }

    private static org.assertj.core.data.TemporalUnitOffset within() {
        return org.assertj.core.api.Assertions.within(1, java.time.temporal.ChronoUnit.MILLIS);
    }

    @Test
    void thePromoterMovesTasksDueWithinTheWindowBackAndNotifiesTheirQueue() throws Exception {
        TaskId fresh = storage.push(numbered(queue, 1, TaskOptions.defaults().delay(Duration.ofHours(1))));
        TaskId retried = storage.push(numbered(queue, 2));
        storage.claim(queue, "w", 1);
        storage.complete("w", List.of(new Completion.Retry(retried, Duration.ofSeconds(3600), "boom")));
        TaskId later = storage.push(numbered(queue, 3, TaskOptions.defaults().delay(Duration.ofHours(2))));
        jdbc.update("UPDATE apalis.tasks SET run_at = now() + interval '2 seconds' WHERE id IN (?, ?)", fresh.value(),
                retried.value());
        CountDownLatch notified = new CountDownLatch(1);
        try (Backend.Subscription subscription = storage.subscribe(queue, notified::countDown)) {
            await().atMost(Duration.ofSeconds(5)).until(() -> storage.listenerBackendPid() != 0);

            long promoted = storage.maintenance().promote();

            assertThat(promoted).isEqualTo(2);
            assertThat(notified.await(5, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(stored(fresh)).isEqualTo("PENDING");
        assertThat(stored(retried)).isEqualTo("FAILED");
        assertThat(stored(later)).isEqualTo("SCHEDULED");
        assertThat(storage.find(retried).orElseThrow().attempts()).isEqualTo(1);
        assertThat(storage.maintenance().promote()).isZero();
        await().atMost(Duration.ofSeconds(5))
            .until(() -> storage.claim(queue, "w", 10).stream().map(Task::id).toList(), ids -> ids.size() == 2);
    }

    @Test
    void promotersOnTwoNodesMoveEveryTaskExactlyOnce(DataSource dataSource) throws Exception {
        int total = 5_000;
        jdbc.update("""
                INSERT INTO apalis.tasks (id, queue, payload, status, run_at)
                SELECT gen_random_uuid(), ?, '{}', 'SCHEDULED', now() + interval '1 second'
                FROM generate_series(1, ?)""", queue, total);
        try (PostgresStorage other = PostgresStorage.builder(dataSource).maintenance(false).build()) {
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                CountDownLatch go = new CountDownLatch(1);
                Future<Long> a = pool.submit(() -> {
                    go.await();
                    return storage.maintenance().promote();
                });
                Future<Long> b = pool.submit(() -> {
                    go.await();
                    return other.maintenance().promote();
                });
                go.countDown();
                long sum = a.get(30, TimeUnit.SECONDS) + b.get(30, TimeUnit.SECONDS);
                // a node that finds the lock taken stops; what is left goes in the next round
                sum += storage.maintenance().promote();
                assertThat(sum).isEqualTo(total);
            }
            finally {
                pool.shutdownNow();
            }
        }
        assertThat(jdbc.queryForObject("SELECT count(*) FROM apalis.tasks WHERE queue = ? AND status = 'PENDING'",
                Long.class, queue)).isEqualTo(total);
    }

    @Test
    void aDelayedTaskBeyondTheWindowStartsWithin100MillisecondsOfItsRunTime(DataSource dataSource) {
        Map<Integer, Instant> startedAt = new ConcurrentHashMap<>();
        try (PostgresStorage promoting = PostgresStorage.builder(dataSource).build()) {
            WorkerContext context = WorkerBuilder.named(queue).backend(promoting).pollInterval(Duration.ofSeconds(60))
                .build(Job.class, (job, ctx) -> startedAt.put(job.n(), Instant.now()))
                .start();
            started.add(context);
            promoting.push(numbered(queue, 0));
            await().atMost(Duration.ofSeconds(2)).until(() -> startedAt.containsKey(0));

            Duration delay = StoredStatus.PROMOTION_WINDOW.plusSeconds(2);
            TaskId id = promoting.push(numbered(queue, 1, TaskOptions.defaults().delay(delay)));
            assertThat(stored(id)).isEqualTo("SCHEDULED");
            Instant runAt = promoting.find(id).orElseThrow().runAt();

            await().atMost(delay.plusSeconds(3)).until(() -> startedAt.containsKey(1));
            assertThat(startedAt.get(1)).isAfterOrEqualTo(runAt).isBefore(runAt.plusMillis(100));
        }
    }

    /**
     * 200,000 future tasks in four priorities and 2,000 waiting for a retry, all ahead of the due
     * ones in claim order: the claim's plan reads what it claims, not the backlog.
     */
    @Test
    void aClaimReadsItsBatchNotTheFutureBacklog() throws Exception {
        jdbc.update("""
                INSERT INTO apalis.tasks (id, queue, payload, status, priority, run_at)
                SELECT gen_random_uuid(), ?, '{"n": 0}', %s, n %% 4, now() + interval '1 day' + n * interval '1 ms'
                FROM generate_series(1, 200000) n""".formatted(
                StoredStatus.waiting("now() + interval '1 day'", "'PENDING'")), queue);
        jdbc.update("""
                INSERT INTO apalis.tasks (id, queue, payload, status, attempts, priority, run_at, last_error)
                SELECT gen_random_uuid(), ?, '{"n": 0}', %s, 1, 0, now() + interval '1 hour', 'boom'
                FROM generate_series(1, 2000)""".formatted(
                StoredStatus.waiting("now() + interval '1 hour'", "'FAILED'")), queue);
        storage.pushAll(TestTasks.numbered(queue, 1, 201));
        jdbc.update("UPDATE apalis.tasks SET priority = 9 WHERE queue = ? AND status = 'PENDING'", queue);
        jdbc.execute("ANALYZE apalis.tasks");
        assertThat(jdbc.queryForObject("SELECT count(*) FROM apalis.tasks WHERE queue = ? AND status = 'SCHEDULED'",
                Long.class, queue)).isEqualTo(202_000);

        String claim = SchemaNames.of("apalis").expand(TaskClaimer.CLAIM);
        String json = String.join("\n",
                jdbc.queryForList("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + claim, String.class, queue, queue, 20, 20, 25,
                        "w"));
        JsonNode plan = JSON.readTree(json).path(0).path("Plan");

        long read = rowsReadFromTasks(plan);
        JsonNode claimScan = find(plan, "tasks_claim_idx");
        long scanBuffers = claimScan.path("Shared Hit Blocks").asLong() + claimScan.path("Shared Read Blocks").asLong();
        long buffers = plan.path("Shared Hit Blocks").asLong() + plan.path("Shared Read Blocks").asLong();
        assertThat(read).as("rows the claim's scans of the tasks table read, plan:%n%s", json).isLessThanOrEqualTo(60);
        assertThat(claimScan.path("Actual Rows").asLong() + claimScan.path("Rows Removed by Filter").asLong())
            .as("entries of the claim index read").isEqualTo(20);
        assertThat(scanBuffers).as("buffers the claim index scan touched, plan:%n%s", json).isLessThan(40);
        // the whole statement, writes of 20 rows into their indexes included
        assertThat(buffers).as("buffers the claim touched, plan:%n%s", json).isLessThan(1_000);
        assertThat(storage.claim(queue, "w", 20)).hasSize(20).allMatch(task -> task.priority() == 9);
    }

    /** The plan node that scans an index. */
    private static JsonNode find(JsonNode node, String index) {
        if (node.path("Index Name").asString("").equals(index)) {
            return node;
        }
        for (JsonNode child : node.path("Plans")) {
            JsonNode found = find(child, index);
            if (found != null) {
                return found;
            }
        }
        return null;
    }

    /** What the plan's scans of the tasks table read: rows returned plus rows filtered away, over all loops. */
    private static long rowsReadFromTasks(JsonNode node) {
        long read = 0;
        if (node.path("Relation Name").asString("").equals("tasks") && node.has("Actual Rows")) {
            long loops = Math.max(1, node.path("Actual Loops").asLong());
            read += (node.path("Actual Rows").asLong() + node.path("Rows Removed by Filter").asLong()
                    + node.path("Rows Removed by Index Recheck").asLong()) * loops;
        }
        for (JsonNode child : node.path("Plans")) {
            read += rowsReadFromTasks(child);
        }
        return read;
    }

    @Test
    void theStatusHelperSelectsWhatThePublicViewReports() {
        TaskId pending = storage.push(numbered(queue, 1));
        TaskId later = storage.push(numbered(queue, 2, TaskOptions.defaults().delay(Duration.ofDays(1))));
        TaskId retried = storage.push(numbered(queue, 3));
        storage.claim(queue, "w", 2);
        storage.complete("w", List.of(new Completion.Retry(retried, Duration.ofSeconds(3600), "boom")));
        jdbc.update("UPDATE apalis.tasks SET status = 'PENDING', attempts = 0, lock_owner = NULL WHERE id = ?",
                pending.value());

        for (TaskStatus status : TaskStatus.values()) {
            List<TaskId> selected = jdbc.queryForList("SELECT id FROM apalis.tasks t WHERE t.queue = ? AND "
                    + StoredStatus.condition(status, "t"), java.util.UUID.class, queue).stream().map(TaskId::new).toList();
            List<TaskId> reported = List.of(pending, later, retried).stream()
                .filter(id -> storage.find(id).orElseThrow().status() == status)
                .toList();
            assertThat(selected).as("%s", status).containsExactlyInAnyOrderElementsOf(reported);
            List<String> computed = jdbc.queryForList("SELECT " + StoredStatus.publicStatusSql("t")
                    + " FROM apalis.tasks t WHERE t.queue = ? AND " + StoredStatus.condition(status, ""),
                    String.class, queue);
            assertThat(computed).allMatch(status.name()::equals);
        }
    }

    @Test
    void theVersionTwoScriptUsesTheSameWindowAsTheCode() {
        String script = SchemaInitializer.script("schema-v2.sql", "apalis");
        assertThat(StoredStatus.PROMOTION_WINDOW).isEqualTo(Duration.ofSeconds(5));
        assertThat(script).contains("run_at > now() + interval '5 seconds'");
        assertThat(StoredStatus.PROMOTION_INTERVAL).isLessThan(StoredStatus.PROMOTION_WINDOW.dividedBy(2));
    }
}
