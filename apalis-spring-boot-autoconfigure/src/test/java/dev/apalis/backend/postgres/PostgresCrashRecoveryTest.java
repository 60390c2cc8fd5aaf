package dev.apalis.backend.postgres;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

import dev.apalis.backend.Completion;
import dev.apalis.backend.WorkerRegistration;
import dev.apalis.task.Task;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskStatus;
import dev.apalis.test.PostgresDatabase;
import dev.apalis.test.TestPostgres;
import dev.apalis.worker.WorkerBuilder;
import dev.apalis.worker.WorkerContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A worker that dies mid-task: its tasks run again on another node once its heart-beat is older
 * than the orphan threshold, and not before.
 */
@PostgresDatabase
class PostgresCrashRecoveryTest {

    record Job(int n) {
    }

    private static final Duration THRESHOLD = Duration.ofSeconds(2);

    private static final Duration RESCUE_INTERVAL = PostgresStorage.rescueInterval(THRESHOLD,
            PostgresStorage.DEFAULT_MAINTENANCE_INTERVAL);

    /** Threshold, one rescue interval, and room for a slow machine to claim and start the tasks. */
    private static final Duration RECOVERY_BOUND = THRESHOLD.plus(RESCUE_INTERVAL).plusMillis(1500);

    private static DataSource dataSource;

    private String queue;

    @BeforeAll
    static void keep(DataSource source) {
        dataSource = source;
    }

    @BeforeEach
    void queuePerTest(TestInfo info) {
        queue = info.getTestMethod().orElseThrow().getName();
    }

    private PostgresStorage.Builder storage(DataSource source) {
        return PostgresStorage.builder(source).schema("crash").orphanThreshold(THRESHOLD);
    }

    @Test
    void tasksOfAWorkerThatStopsHeartBeatingRunAgainElsewhereWithinTheThreshold() throws Exception {
        Map<Integer, Instant> ranAt = new ConcurrentHashMap<>();
        Map<Integer, Integer> attempt = new ConcurrentHashMap<>();
        try (PostgresStorage ghostSide = storage(dataSource).maintenance(false).build();
                PostgresStorage rescuer = storage(dataSource).build()) {
            List<TaskId> ids = ghostSide.pushAll(TestTasks.numbered(queue, 0, 5));
            ghostSide.register(new WorkerRegistration("ghost", "ghost", queue));
            Instant beforeClaim = Instant.now();
            assertThat(ghostSide.claim(queue, "ghost", 5)).hasSize(5);
            Instant crashedAt = Instant.now(); // the ghost never heart-beats again

            // a live worker that only wakes by notification (or a 60 s poll)
            WorkerContext live = WorkerBuilder.named(queue).backend(rescuer).heartbeatInterval(Duration.ofMillis(200))
                .pollInterval(Duration.ofSeconds(60))
                .build(Job.class, (job, ctx) -> {
                    ranAt.put(job.n(), Instant.now());
                    attempt.put(job.n(), ctx.attempt());
                })
                .start();
            try {
                await().atMost(RECOVERY_BOUND).until(() -> ranAt.size() == 5);
                await().atMost(Duration.ofSeconds(2)).until(() -> ids.stream()
                    .allMatch(id -> rescuer.find(id).orElseThrow().status() == TaskStatus.DONE));
            }
            finally {
                live.stop();
                assertThat(live.awaitTermination(Duration.ofSeconds(10))).isTrue();
            }
            assertThat(ranAt.values()).as("not rescued while the claim was younger than the threshold")
                .allSatisfy(at -> assertThat(at).isAfterOrEqualTo(beforeClaim.plus(THRESHOLD)));
            assertThat(ranAt.values()).allSatisfy(at -> assertThat(at).isBefore(crashedAt.plus(RECOVERY_BOUND)));
            assertThat(attempt.values()).as("the crashed attempt counts").containsOnly(2);

            // the ghost comes back and reports: nothing changes
            ghostSide.complete("ghost", ids.stream().map(id -> Completion.kill(id, "late")).toList());
            assertThat(ids).allSatisfy(id -> assertThat(rescuer.find(id).orElseThrow())
                .extracting(Task::status, Task::attempts).containsExactly(TaskStatus.DONE, 2));
        }
    }

    @Test
    void tasksOfAWorkerWhosePoolIsClosedRunAgainOnAnotherNode(TestPostgres.Database database) throws Exception {
        Map<Integer, Instant> ranOnB = new ConcurrentHashMap<>();
        CountDownLatch stuck = new CountDownLatch(1);
        Map<Integer, Boolean> startedOnA = new ConcurrentHashMap<>();
        HikariDataSource poolA = database.newDataSource(4);
        WorkerContext nodeA = null;
        try (PostgresStorage storageA = storage(poolA).maintenance(false).build();
                PostgresStorage storageB = storage(dataSource).build()) {
            nodeA = WorkerBuilder.named(queue).backend(storageA).concurrency(3)
                .heartbeatInterval(Duration.ofMillis(200))
                .build(Job.class, (job, ctx) -> {
                    startedOnA.put(job.n(), true);
                    stuck.await();
                })
                .start();
            List<TaskId> ids = storageB.pushAll(TestTasks.numbered(queue, 0, 3));
            await().atMost(Duration.ofSeconds(5)).until(() -> startedOnA.size() == 3);

            WorkerContext nodeB = WorkerBuilder.named(queue).backend(storageB).heartbeatInterval(Duration.ofMillis(200))
                .build(Job.class, (job, ctx) -> ranOnB.put(job.n(), Instant.now()))
                .start();
            try {
                poolA.close(); // node A loses the database for good: no heart-beat, no completion
                Instant crashedAt = Instant.now();

                await().atMost(RECOVERY_BOUND).until(() -> ranOnB.size() == 3);
                assertThat(ranOnB.values()).allSatisfy(at -> assertThat(at).isBefore(crashedAt.plus(RECOVERY_BOUND)));
                await().atMost(Duration.ofSeconds(2)).until(() -> ids.stream()
                    .allMatch(id -> storageB.find(id).orElseThrow().status() == TaskStatus.DONE));
                assertThat(ids).allSatisfy(id -> assertThat(storageB.find(id).orElseThrow().attempts()).isEqualTo(2));
            }
            finally {
                nodeB.stop();
                assertThat(nodeB.awaitTermination(Duration.ofSeconds(10))).isTrue();
            }
        }
        finally {
            stuck.countDown();
            if (nodeA != null) {
                nodeA.stop(); // it winds down in the background; it cannot report anything any more
            }
            poolA.close();
        }
    }
}
