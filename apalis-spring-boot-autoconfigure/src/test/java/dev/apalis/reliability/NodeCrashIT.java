package dev.apalis.reliability;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import org.springframework.jdbc.core.JdbcTemplate;

import dev.apalis.backend.postgres.PostgresStorage;
import dev.apalis.task.NewTask;
import dev.apalis.task.Task;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskOptions;
import dev.apalis.task.TaskStatus;
import dev.apalis.test.PostgresDatabase;
import dev.apalis.test.TestPostgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A node dies (SIGKILL) in the middle of a drain: the tasks it had claimed go back to the queue once
 * its heart-beat is older than the orphan threshold, and the other nodes run them. Nothing is lost;
 * only tasks the dead node had claimed run twice.
 */
@PostgresDatabase
class NodeCrashIT {

    static final int TASKS = 20_000;

    static final int CONCURRENCY = 8;

    /**
     * Short, for a short test, but above the worst stall of a live node on a loaded machine: at load 20
     * on two cores a live node's heart-beat (every 0.5 s) was seen 2.2 s old, and a 3 s threshold once
     * took live nodes for dead.
     */
    static final Duration THRESHOLD = Duration.ofSeconds(5);

    static final Duration HEARTBEAT = Duration.ofMillis(500);

    /** Orphans are looked for every third of the threshold on every node. */
    static final Duration RESCUE_INTERVAL = THRESHOLD.dividedBy(3);

    /** Room for a loaded machine between "rescued" and "done elsewhere". */
    static final Duration SLACK = Duration.ofSeconds(20);

    /** A list of task ids passed as one text parameter. */
    private static final String UUIDS = "string_to_array(?, ',')::uuid[]";

    private static final String[] NODE_OPTIONS = { "concurrency=" + CONCURRENCY, "orphanThreshold=" + THRESHOLD,
            "heartbeat=" + HEARTBEAT };

    @Test
    void theTasksOfAKilledNodeRunAgainOnTheOthersAfterTheOrphanThreshold(TestPostgres.Database database,
            DataSource dataSource) throws Exception {
        try (Cluster cluster = new Cluster(database, dataSource, "drain")) {
            Db db = cluster.db();
            JdbcTemplate jdbc = db.jdbc();
            List<Node> nodes = cluster.start(3, "crash", NODE_OPTIONS);
            Instant start = Instant.now();
            cluster.push(Tasks.numbered("drain", 0, TASKS));
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200))
                .failFast("a task was killed", () -> db.countStatus("KILLED") > 0)
                .until(() -> db.countStatus("DONE") >= TASKS / 4);

            Node victim = nodes.get(0);
            // Frozen while it holds tasks (a node seen holding tasks could otherwise finish them before the
            // kill); it stops heart-beating from the freeze, so that is when it died.
            AtomicReference<Instant> frozenAt = new AtomicReference<>();
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).until(() -> {
                Instant beforeFreeze = cluster.dbNow();
                boolean frozen = cluster.freezeHolding(victim);
                frozenAt.set(beforeFreeze);
                return frozen;
            });
            Instant killedAt = frozenAt.get();
            victim.kill();
            assertThat(victim.awaitExit(Duration.ofSeconds(10))).as("exit code of SIGKILL").isEqualTo(137);
            cluster.awaitSessionsGone(victim, Duration.ofSeconds(30));
            long doneAtKill = db.countStatus("DONE");

            // what the dead node held: claimed (RUNNING under it), of which some had started
            List<UUID> claimed = jdbc.queryForList(
                    "SELECT id FROM apalis.tasks WHERE status = 'RUNNING' AND lock_owner LIKE ?", UUID.class,
                    victim.workerIdPrefix("drain") + "%");
            List<UUID> chargedAtKill = jdbc.queryForList("""
                    SELECT id FROM apalis.tasks WHERE status = 'RUNNING' AND lock_owner LIKE ? AND started_at IS NOT NULL""",
                    UUID.class, victim.workerIdPrefix("drain") + "%");
            long cut = count(jdbc, "SELECT count(*) FROM public.executions WHERE pid = ? AND ended_at IS NULL",
                    victim.pid());
            long endedNotRecorded = count(jdbc, """
                    SELECT count(*) FROM public.executions e JOIN apalis.tasks t ON t.id = e.task_id
                    WHERE e.pid = ? AND e.ended_at IS NOT NULL AND t.status = 'RUNNING'""", victim.pid());

            // back in the queue once the heart-beat is older than the threshold (seen within 100 ms)
            await().atMost(THRESHOLD.plus(RESCUE_INTERVAL).plus(SLACK)).pollInterval(Duration.ofMillis(100))
                .until(() -> cluster.runningOn(victim) == 0);
            Instant rescuedAt = cluster.dbNow();

            await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
                .failFast("a task was killed", () -> db.countStatus("KILLED") > 0)
                .until(() -> db.countStatus("DONE") == TASKS);
            Duration drain = Duration.between(start, Instant.now());
            cluster.stopAll(Duration.ofSeconds(30));

            // nothing lost: every task done, every task started at least once
            assertThat(db.countByStatus()).containsExactlyEntriesOf(Map.of("DONE", (long) TASKS));
            assertThat(db.tasksNeverStarted()).as("tasks never started").isZero();
            // only what the dead node had claimed ran twice, and only what it had claimed took two attempts
            Set<UUID> startedTwice = new HashSet<>(jdbc.queryForList(
                    "SELECT task_id FROM public.executions GROUP BY task_id HAVING count(*) > 1", UUID.class));
            String ids = String.join(",", claimed.stream().map(UUID::toString).toList());
            assertThat(claimed).as("tasks claimed by the killed node").isNotEmpty().containsAll(startedTwice);
            assertThat(cut).as("attempts cut mid-run on the killed node (at most its concurrency)")
                .isLessThanOrEqualTo(CONCURRENCY);
            // an attempt counts only when its handler starts: what the dead node had charged (a start it
            // recorded) took attempt 2 when run again; what it had claimed ahead without a start ran as
            // attempt 1
            String charged = String.join(",", chargedAtKill.stream().map(UUID::toString).toList());
            assertThat(count(jdbc, "SELECT count(*) FROM apalis.tasks WHERE id = ANY (" + UUIDS
                    + ") AND id <> ALL (string_to_array(?, ',')::uuid[]) AND attempts <> 1", ids, charged))
                .as("claimed by the killed node without a recorded start, then rescued: attempt 1").isZero();
            assertThat(count(jdbc, "SELECT count(*) FROM apalis.tasks WHERE id = ANY (" + UUIDS + ") AND attempts <> 2",
                    charged)).as("started on the killed node, then rescued: attempt 2").isZero();
            assertThat(chargedAtKill).as("charged tasks are among the claimed ones").isSubsetOf(claimed);
            assertThat(count(jdbc, "SELECT count(*) FROM apalis.tasks WHERE id <> ALL (" + UUIDS + ") AND attempts <> 1",
                    ids)).as("all other tasks: one attempt").isZero();

            // put back after the threshold, never before (no live task is taken away), then run again
            assertThat(rescuedAt).as("put back within threshold + rescue interval + slack after the kill")
                .isBefore(killedAt.plus(THRESHOLD).plus(RESCUE_INTERVAL).plus(SLACK));
            Instant firstRerun = jdbc.queryForObject("SELECT min(started_at) FROM public.executions WHERE task_id = ANY ("
                    + UUIDS + ") AND pid <> ?", OffsetDateTime.class, ids, victim.pid()).toInstant();
            Instant recovered = jdbc.queryForObject("SELECT max(finished_at) FROM apalis.tasks WHERE id = ANY (" + UUIDS
                    + ")", OffsetDateTime.class, ids).toInstant();
            assertThat(firstRerun).as("not re-run while the dead node's heart-beat was younger than the threshold")
                .isAfter(killedAt.plus(THRESHOLD).minus(HEARTBEAT).minusMillis(100));

            Figures.of("node-crash")
                .put("tasks", TASKS)
                .put("nodes", nodes.size())
                .put("kills", 1)
                .put("concurrency", CONCURRENCY)
                .put("orphanThreshold", THRESHOLD)
                .put("doneAtKill", doneAtKill)
                .put("claimedByKilledNode", claimed.size())
                .put("startedAndCut", cut)
                .put("endedButOutcomeNotWritten", endedNotRecorded)
                .put("duplicates", startedTwice.size())
                .put("lost", db.tasksNeverStarted())
                .put("maxHeartbeatAgeOfLiveNodes", cluster.maxHeartbeatAge())
                .put("backInQueueAfterKill", Duration.between(killedAt, rescuedAt))
                .put("firstRerunAfterKill", Duration.between(killedAt, firstRerun))
                .put("allRecoveredAfterKill", Duration.between(killedAt, recovered))
                .put("drain", drain)
                .print();
        }
    }

    @Test
    void aTaskThatCrashesEveryNodeIsGivenUpAfterItsMaxAttempts(TestPostgres.Database database, DataSource dataSource)
            throws Exception {
        try (Cluster cluster = new Cluster(database, dataSource, "poison")) {
            Db db = cluster.db();
            List<Node> nodes = cluster.start(3, "poison", NODE_OPTIONS);
            PostgresStorage storage = cluster.storage();
            Instant pushedAt = Instant.now();
            TaskId poison = storage.push(new NewTask("poison", "{\"n\":-1,\"millis\":0,\"halt\":true}",
                    TaskOptions.defaults().maxAttempts(2)));
            cluster.push(Tasks.numbered("poison", 0, 500, 5));

            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200))
                .until(() -> storage.find(poison).orElseThrow().status() == TaskStatus.KILLED
                        && db.countStatus("DONE") == 500);
            Duration givenUpAfter = Duration.between(pushedAt, Instant.now());
            List<Node> dead = nodes.stream().filter(node -> !node.isAlive()).toList();
            assertThat(dead).as("nodes the poison task crashed").hasSize(2);
            for (Node node : dead) {
                assertThat(node.awaitExit(Duration.ofSeconds(1))).isEqualTo(137);
            }
            Task task = storage.find(poison).orElseThrow();
            assertThat(task.attempts()).isEqualTo(2);
            assertThat(task.lastError()).startsWith("Gave up after 2 attempts: its worker stopped heart-beating")
                .contains("during 2 of them, the last one on worker poison-");
            cluster.stopAll(Duration.ofSeconds(30));
            assertThat(db.countByStatus()).containsExactlyInAnyOrderEntriesOf(Map.of("DONE", 500L, "KILLED", 1L));

            Figures.of("poison-task")
                .put("nodes", nodes.size())
                .put("crashedNodes", dead.size())
                .put("maxAttempts", 2)
                .put("otherTasks", 500)
                .put("givenUpAfter", givenUpAfter)
                .put("lastError", '"' + task.lastError() + '"')
                .print();
        }
    }

    private static long count(JdbcTemplate jdbc, String sql, Object... args) {
        Long count = jdbc.queryForObject(sql, Long.class, args);
        return (count != null) ? count : 0;
    }
}
