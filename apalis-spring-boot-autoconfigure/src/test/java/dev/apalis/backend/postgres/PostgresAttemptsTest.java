package dev.apalis.backend.postgres;

import java.time.Duration;
import java.util.List;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

import org.springframework.jdbc.core.JdbcTemplate;

import dev.apalis.backend.ClaimRequest;
import dev.apalis.backend.Completion;
import dev.apalis.backend.WorkerRegistration;
import dev.apalis.task.Task;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskOptions;
import dev.apalis.task.TaskStatus;
import dev.apalis.test.PostgresDatabase;

import static dev.apalis.backend.postgres.TestTasks.numbered;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 12: an attempt is charged only when its handler starts, crash loops end at the effective
 * maximum of attempts, and claims whose reply was lost go back to the queue while their worker lives.
 * The crashes are simulated the way the orphan rescuer sees them: an owner whose heart-beat and claim
 * are older than the threshold.
 */
@PostgresDatabase
class PostgresAttemptsTest {

    private static final Duration THRESHOLD = Duration.ofSeconds(10);

    private static PostgresStorage storage;

    private static JdbcTemplate jdbc;

    private String queue;

    @BeforeAll
    static void createStorage(DataSource dataSource) {
        storage = PostgresStorage.builder(dataSource).schema("attempts").maintenance(false).orphanThreshold(THRESHOLD)
            .build();
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

    @Test
    void theClaimChargesOnlyTheTasksThatStartAtOnceAndStoresTheWorkersMaximum() {
        List<TaskId> ids = storage.pushAll(TestTasks.numbered(queue, 1, 5));
        TaskId own = storage.push(numbered(queue, 5, TaskOptions.defaults().maxAttempts(7)));

        List<Task> claimed = storage.claim(new ClaimRequest(queue, "w", 10, 2, 25));

        assertThat(claimed).hasSize(5).allSatisfy(task -> assertThat(task.attempts()).as("the attempt it runs").isOne());
        assertThat(storedAttempts(ids.get(0))).isOne();
        assertThat(storedAttempts(ids.get(1))).isOne();
        assertThat(storedAttempts(ids.get(2))).as("claimed ahead, not started").isZero();
        assertThat(startedAt(ids.get(2))).isNull();
        assertThat(startedAt(ids.get(0))).isNotNull();
        assertThat(storage.find(ids.get(3)).orElseThrow().maxAttempts()).as("the worker's maximum, stored").isEqualTo(25);
        assertThat(storage.find(own).orElseThrow().maxAttempts()).as("the task's own maximum").isEqualTo(7);
        assertThat(claimed).filteredOn(task -> task.id().equals(own)).singleElement()
            .extracting(Task::maxAttempts).isEqualTo(7);
    }

    @Test
    void aStartReportOrAnOutcomeChargesAClaimedAheadTaskExactlyOnce() {
        List<TaskId> ids = storage.pushAll(TestTasks.numbered(queue, 1, 4));
        storage.claim(new ClaimRequest(queue, "w", 3, 0, 25));

        storage.started("w", List.of(ids.get(0)));
        storage.started("w", List.of(ids.get(0)));
        storage.complete("w", List.of(Completion.done(ids.get(0)), Completion.done(ids.get(1)),
                Completion.retry(ids.get(2), Duration.ofHours(1), "boom")));

        assertThat(storage.find(ids.get(0)).orElseThrow()).extracting(Task::status, Task::attempts)
            .containsExactly(TaskStatus.DONE, 1);
        assertThat(storage.find(ids.get(1)).orElseThrow()).extracting(Task::status, Task::attempts)
            .containsExactly(TaskStatus.DONE, 1);
        assertThat(storage.find(ids.get(2)).orElseThrow()).extracting(Task::status, Task::attempts)
            .containsExactly(TaskStatus.FAILED, 1);
        assertThat(jdbc.queryForObject("SELECT attempt_errors->0->>'attempt' FROM attempts.tasks WHERE id = ?",
                Integer.class, ids.get(2).value())).isOne();
    }

    @Test
    void releasesAndInterruptionsRefundWhatWasCharged() {
        List<TaskId> ids = storage.pushAll(TestTasks.numbered(queue, 1, 5));
        storage.claim(new ClaimRequest(queue, "w", 4, 2, 25));
        TaskId chargedInterrupted = ids.get(0);
        TaskId chargedReleased = ids.get(1);
        TaskId startedReleased = ids.get(2);
        TaskId aheadReleased = ids.get(3);
        storage.started("w", List.of(startedReleased));

        storage.complete("w", List.of(Completion.interrupted(chargedInterrupted, "stopped")));
        storage.release("w", List.of(chargedReleased, startedReleased, aheadReleased));

        for (TaskId id : ids) {
            Task task = storage.find(id).orElseThrow();
            assertThat(task.status()).isEqualTo(TaskStatus.PENDING);
            assertThat(task.attempts()).as("no attempt lost").isZero();
            assertThat(startedAt(id)).isNull();
        }
        assertThat(storage.find(chargedInterrupted).orElseThrow().lastError()).isEqualTo("stopped");
    }

    @Test
    void aMaxAttemptsOneTaskClaimedAheadByANodeThatDiesStillRunsOnce() {
        TaskId id = storage.push(numbered(queue, 1, TaskOptions.defaults().maxAttempts(1)));
        storage.register(new WorkerRegistration("killed-node", "w", queue));
        assertThat(storage.claim(new ClaimRequest(queue, "killed-node", 1, 0, 25))).hasSize(1);
        dies("killed-node");

        assertThat(storage.maintenance().rescue()).isOne();

        Task rescued = storage.find(id).orElseThrow();
        assertThat(rescued.status()).isEqualTo(TaskStatus.PENDING);
        assertThat(rescued.attempts()).isZero();
        assertThat(unstartedRescues(id)).isOne();
        // its next claim charges it at once, even when claimed ahead
        assertThat(storage.claim(new ClaimRequest(queue, "survivor", 1, 0, 25))).singleElement()
            .extracting(Task::attempts).isEqualTo(1);
        assertThat(storedAttempts(id)).isOne();
        storage.complete("survivor", List.of(Completion.done(id)));
        assertThat(storage.find(id).orElseThrow()).extracting(Task::status, Task::attempts)
            .containsExactly(TaskStatus.DONE, 1);
    }

    @Test
    void aTaskThatKillsItsWorkerOnEveryAttemptEndsKilledAtTheWorkersMaximum() {
        TaskId id = storage.push(numbered(queue, 1));
        int rounds = 0;
        while (storage.find(id).orElseThrow().status() != TaskStatus.KILLED && rounds < 10) {
            rounds++;
            String node = "node-" + rounds;
            storage.register(new WorkerRegistration(node, "w", queue));
            // claimed ahead (not charged) on odd rounds, started at once on even ones: both end the loop
            List<Task> claimed = storage.claim(new ClaimRequest(queue, node, 1, (rounds % 2 == 0) ? 1 : 0, 3));
            assertThat(claimed).hasSize(1);
            if (rounds % 2 == 1) {
                storage.started(node, List.of(id));
            }
            dies(node);
            assertThat(storage.maintenance().rescue()).isOne();
        }
        Task killed = storage.find(id).orElseThrow();
        assertThat(rounds).isEqualTo(3);
        assertThat(killed.status()).isEqualTo(TaskStatus.KILLED);
        assertThat(killed.attempts()).isEqualTo(3);
        assertThat(killed.maxAttempts()).isEqualTo(3);
        assertThat(killed.lastError()).startsWith("Gave up after 3 attempts: its worker stopped heart-beating")
            .contains("during 3 of them");
        assertThat(killed.finishedAt()).isNotNull();
    }

    @Test
    void anUnrecordedStartIsRescuedUnchargedOnceThenChargedAtItsNextClaim() {
        TaskId id = storage.push(numbered(queue, 1, TaskOptions.defaults().maxAttempts(2)));
        for (int round = 1; round <= 4 && storage.find(id).orElseThrow().status() != TaskStatus.KILLED; round++) {
            String node = "silent-" + round;
            storage.register(new WorkerRegistration(node, "w", queue));
            storage.claim(new ClaimRequest(queue, node, 1, 0, 25)); // the start never reaches the database
            dies(node);
            storage.maintenance().rescue();
        }
        Task killed = storage.find(id).orElseThrow();
        assertThat(killed.status()).as("one uncharged rescue, then two charged ones").isEqualTo(TaskStatus.KILLED);
        assertThat(killed.attempts()).isEqualTo(2);
        assertThat(unstartedRescues(id)).isOne();
    }

    @Test
    void aClaimWhoseReplyWasLostGoesBackWhileItsWorkerLivesAndHeldOnesStay() {
        List<TaskId> ids = storage.pushAll(TestTasks.numbered(queue, 1, 3));
        storage.register(new WorkerRegistration("live", "w", queue));
        assertThat(storage.claim(new ClaimRequest(queue, "live", 2, 2, 25))).hasSize(2);
        TaskId known = ids.get(0);
        TaskId lost = ids.get(1);
        jdbc.update("UPDATE attempts.tasks SET locked_at = now() - interval '1 hour' WHERE id = ANY (?::uuid[])",
                (Object) new java.util.UUID[] { known.value(), lost.value() });
        storage.heartbeat("live", List.of(known));

        assertThat(storage.maintenance().rescue()).isOne();

        assertThat(storage.find(known).orElseThrow().status()).isEqualTo(TaskStatus.RUNNING);
        Task back = storage.find(lost).orElseThrow();
        assertThat(back.status()).isEqualTo(TaskStatus.PENDING);
        assertThat(back.attempts()).as("it never ran").isZero();

        // a worker that does not say what it holds keeps all its claims
        storage.heartbeat("live");
        jdbc.update("UPDATE attempts.tasks SET status = 'RUNNING', lock_owner = 'live', "
                + "locked_at = now() - interval '1 hour' WHERE id = ?", lost.value());
        assertThat(storage.maintenance().rescue()).isZero();
    }

    private static void dies(String node) {
        jdbc.update("UPDATE attempts.workers SET last_heartbeat = now() - interval '1 hour' WHERE id = ?", node);
        jdbc.update("UPDATE attempts.tasks SET locked_at = now() - interval '1 hour' WHERE lock_owner = ?", node);
    }

    private static int storedAttempts(TaskId id) {
        return jdbc.queryForObject("SELECT attempts FROM attempts.tasks WHERE id = ?", Integer.class, id.value());
    }

    private static Object startedAt(TaskId id) {
        return jdbc.queryForObject("SELECT started_at FROM attempts.tasks WHERE id = ?", Object.class, id.value());
    }

    private static int unstartedRescues(TaskId id) {
        return jdbc.queryForObject("SELECT unstarted_rescues FROM attempts.tasks WHERE id = ?", Integer.class,
                id.value());
    }
}
