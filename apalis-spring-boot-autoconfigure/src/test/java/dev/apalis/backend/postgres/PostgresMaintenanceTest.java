package dev.apalis.backend.postgres;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import javax.sql.DataSource;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.jdbc.core.JdbcTemplate;

import dev.apalis.backend.QueueCount;
import dev.apalis.backend.WorkerRegistration;
import dev.apalis.task.Task;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskOptions;
import dev.apalis.task.TaskStatus;
import dev.apalis.test.PostgresDatabase;

import static dev.apalis.backend.postgres.TestTasks.numbered;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Orphan rescue and retention: what they touch, what they never touch, one node at a time, and a
 * maintenance thread that outlives failures.
 */
@PostgresDatabase
class PostgresMaintenanceTest {

    private static DataSource dataSource;

    private static JdbcTemplate jdbc;

    @BeforeAll
    static void setUp(DataSource source) {
        dataSource = source;
        jdbc = new JdbcTemplate(source);
    }

    private static void finish(String schema, String queue, String status, String age) {
        jdbc.update("UPDATE " + schema + ".tasks SET status = ?, finished_at = now() - ?::interval WHERE queue = ?",
                status, age, queue);
    }

    private static Map<String, Long> countsByQueue(PostgresStorage storage) {
        return storage.countByQueueAndStatus().stream()
            .collect(Collectors.groupingBy(QueueCount::queue, Collectors.summingLong(QueueCount::count)));
    }

    @Test
    void retentionDeletesOldFinishedTasksInBatchesAndKeepsEverythingElse() {
        try (PostgresStorage storage = PostgresStorage.builder(dataSource).schema("retention").maintenance(false)
            .doneRetention(Duration.ofHours(1)).killedRetention(Duration.ofHours(2)).build()) {
            storage.pushAll(TestTasks.numbered("old-done", 0, 2 * RetentionPruner.BATCH_SIZE + 500));
            finish("retention", "old-done", "DONE", "90 minutes");
            storage.pushAll(TestTasks.numbered("recent-done", 0, 10));
            finish("retention", "recent-done", "DONE", "30 minutes");
            storage.pushAll(TestTasks.numbered("old-killed", 0, 5));
            finish("retention", "old-killed", "KILLED", "3 hours");
            storage.pushAll(TestTasks.numbered("recent-killed", 0, 5));
            finish("retention", "recent-killed", "KILLED", "90 minutes");
            storage.pushAll(TestTasks.numbered("old-waiting", 0, 10));
            jdbc.update("UPDATE retention.tasks SET created_at = now() - interval '30 days', "
                    + "run_at = now() - interval '30 days' WHERE queue = 'old-waiting'");
            storage.claim("old-waiting", "w", 3);
            jdbc.update("UPDATE retention.tasks SET status = 'FAILED' WHERE queue = 'old-waiting' AND status = 'PENDING' "
                    + "AND id IN (SELECT id FROM retention.tasks WHERE queue = 'old-waiting' AND status = 'PENDING' "
                    + "LIMIT 2)");

            long pruned = storage.maintenance().prune();

            assertThat(pruned).isEqualTo(2 * RetentionPruner.BATCH_SIZE + 500 + 5);
            assertThat(countsByQueue(storage)).containsOnly(Map.entry("recent-done", 10L),
                    Map.entry("recent-killed", 5L), Map.entry("old-waiting", 10L));
            assertThat(storage.maintenance().prune()).isZero();
        }
    }

    @Test
    void retentionAndRescueRunOnOneNodeAtATime() throws Exception {
        try (PostgresStorage storage = PostgresStorage.builder(dataSource).schema("one_node").maintenance(false)
            .doneRetention(Duration.ofMinutes(1)).orphanThreshold(Duration.ofSeconds(10)).build();
                Connection otherNode = dataSource.getConnection()) {
            storage.pushAll(TestTasks.numbered("done", 0, 5));
            finish("one_node", "done", "DONE", "1 hour");
            TaskId orphan = storage.push(numbered("orphan", 1));
            storage.claim("orphan", "gone", 1);
            jdbc.update("UPDATE one_node.tasks SET locked_at = now() - interval '1 hour' WHERE id = ?", orphan.value());

            advisoryLock(otherNode, "pg_advisory_lock", "apalis:retention:one_node");
            advisoryLock(otherNode, "pg_advisory_lock", "apalis:rescue:one_node");
            assertThat(storage.maintenance().prune()).isZero();
            assertThat(storage.maintenance().rescue()).isEqualTo(-1);
            assertThat(countsByQueue(storage)).containsEntry("done", 5L);
            assertThat(storage.find(orphan).orElseThrow().status()).isEqualTo(TaskStatus.RUNNING);

            advisoryLock(otherNode, "pg_advisory_unlock", "apalis:retention:one_node");
            advisoryLock(otherNode, "pg_advisory_unlock", "apalis:rescue:one_node");
            assertThat(storage.maintenance().prune()).isEqualTo(5);
            assertThat(storage.maintenance().rescue()).isEqualTo(1);
            assertThat(storage.find(orphan).orElseThrow().status()).isEqualTo(TaskStatus.PENDING);
        }
    }

    private static void advisoryLock(Connection connection, String function, String key) throws Exception {
        try (PreparedStatement statement = connection
            .prepareStatement("SELECT " + function + "(hashtextextended(?, 0))")) {
            statement.setString(1, key);
            statement.execute();
        }
    }

    @Test
    void rescueTakesBackOnlyTasksWhoseOwnerIsSilentForLongerThanTheThreshold() {
        try (PostgresStorage storage = PostgresStorage.builder(dataSource).schema("rescue").maintenance(false)
            .orphanThreshold(Duration.ofSeconds(10)).build()) {
            String q = "q";
            // alive: fresh heart-beat that names the task, old claim -> kept
            storage.register(new WorkerRegistration("alive", "alive", q));
            TaskId alive = claimed(storage, q, "alive", TaskOptions.defaults(), true);
            storage.heartbeat("alive", List.of(alive));
            // stale: old heart-beat, old claim -> rescued
            storage.register(new WorkerRegistration("stale", "stale", q));
            TaskId stale = claimed(storage, q, "stale", TaskOptions.defaults(), true);
            // stale heart-beat but a claim younger than the threshold -> kept
            storage.register(new WorkerRegistration("slow", "slow", q));
            TaskId young = claimed(storage, q, "slow", TaskOptions.defaults(), false);
            // no worker row at all, old claim -> rescued; young claim -> kept
            TaskId unknownOld = claimed(storage, q, "unknown", TaskOptions.defaults(), true);
            TaskId unknownYoung = claimed(storage, q, "unknown-young", TaskOptions.defaults(), false);
            // a stale owner on the task's last allowed attempt -> killed
            TaskId lastAttempt = claimed(storage, q, "stale", TaskOptions.defaults().maxAttempts(1), true);
            // finished tasks are never touched, whatever their owner column says
            TaskId finished = storage.push(numbered(q, 99));
            jdbc.update("UPDATE rescue.tasks SET status = 'DONE', lock_owner = 'stale', "
                    + "locked_at = now() - interval '1 hour', finished_at = now() WHERE id = ?", finished.value());
            jdbc.update("UPDATE rescue.workers SET last_heartbeat = now() - interval '1 hour' WHERE id IN ('stale', 'slow')");

            assertThat(storage.maintenance().rescue()).isEqualTo(3);

            assertThat(storage.find(alive).orElseThrow().status()).isEqualTo(TaskStatus.RUNNING);
            assertThat(storage.find(young).orElseThrow().status()).isEqualTo(TaskStatus.RUNNING);
            assertThat(storage.find(unknownYoung).orElseThrow().status()).isEqualTo(TaskStatus.RUNNING);
            assertThat(storage.find(finished).orElseThrow().status()).isEqualTo(TaskStatus.DONE);
            for (TaskId id : List.of(stale, unknownOld)) {
                Task task = storage.find(id).orElseThrow();
                assertThat(task.status()).isEqualTo(TaskStatus.PENDING);
                assertThat(task.attempts()).isEqualTo(1);
                assertThat(task.lastError()).startsWith("Interrupted: worker ")
                    .contains("stopped heart-beating during attempt 1");
            }
            Task killed = storage.find(lastAttempt).orElseThrow();
            assertThat(killed.status()).isEqualTo(TaskStatus.KILLED);
            assertThat(killed.finishedAt()).isNotNull();
            assertThat(killed.lastError()).isEqualTo("Gave up after 1 attempts: its worker stopped heart-beating "
                    + "(crashed, was killed or lost the database) during 1 of them, the last one on worker stale");
            assertThat(jdbc.queryForObject("SELECT lock_owner FROM rescue.tasks WHERE id = ?", String.class,
                    stale.value())).isNull();

            // the silent worker without tasks is forgotten; the one still holding a young claim is kept
            assertThat(jdbc.queryForList("SELECT id FROM rescue.workers ORDER BY id", String.class))
                .containsExactly("alive", "slow");
            // a worker that was only stalled comes back with its next heart-beat
            storage.heartbeat("stale");
            assertThat(jdbc.queryForList("SELECT id FROM rescue.workers ORDER BY id", String.class))
                .containsExactly("alive", "slow", "stale");
            storage.deregister("stale");
            assertThat(jdbc.queryForList("SELECT id FROM rescue.workers ORDER BY id", String.class))
                .containsExactly("alive", "slow");
        }
    }

    private static TaskId claimed(PostgresStorage storage, String queue, String owner, TaskOptions options,
            boolean oldClaim) {
        TaskId id = storage.push(numbered(queue + "-" + owner, 1, options));
        assertThat(storage.claim(queue + "-" + owner, owner, 10)).extracting(Task::id).containsExactly(id);
        if (oldClaim) {
            jdbc.update("UPDATE rescue.tasks SET locked_at = now() - interval '1 hour' WHERE id = ?", id.value());
        }
        return id;
    }

    @Test
    void theMaintenanceThreadOutlivesFailuresAndCarriesOn() {
        try (PostgresStorage storage = PostgresStorage.builder(dataSource).schema("resilient")
            .orphanThreshold(Duration.ofMillis(600)).build()) {
            jdbc.execute("ALTER TABLE resilient.workers RENAME TO workers_away");
            TaskId id;
            try {
                id = storage.push(numbered("q", 1));
                storage.claim("q", "vanished", 1);
                await().atMost(Duration.ofSeconds(5)).until(() -> storage.maintenance().failing());
                assertThat(storage.find(id).orElseThrow().status()).isEqualTo(TaskStatus.RUNNING);
            }
            finally {
                jdbc.execute("ALTER TABLE resilient.workers_away RENAME TO workers");
            }
            await().atMost(Duration.ofSeconds(5))
                .until(() -> storage.find(id).orElseThrow().status() == TaskStatus.PENDING);
            await().atMost(Duration.ofSeconds(2)).until(() -> !storage.maintenance().failing());
        }
    }
}
