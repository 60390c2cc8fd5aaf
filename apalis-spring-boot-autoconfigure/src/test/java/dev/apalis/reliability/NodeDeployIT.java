package dev.apalis.reliability;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import org.springframework.jdbc.core.JdbcTemplate;

import dev.apalis.test.PostgresDatabase;
import dev.apalis.test.TestPostgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A deploy: one node of three gets SIGTERM under load. Its worker runs until
 * {@code ShutdownSignal.onJvmShutdown(..)}: it stops claiming, lets the attempts in flight finish,
 * releases the tasks it had claimed ahead (prefetch) without charging an attempt, and the JVM exits
 * well within the shutdown timeout. The orphan threshold is a minute, so a claim left behind would
 * show as a task still RUNNING under the stopped node: the release cannot be mistaken for a rescue.
 */
@PostgresDatabase
class NodeDeployIT {

    static final int TASKS = 2_400;

    static final int TASK_MILLIS = 100;

    static final int CONCURRENCY = 8;

    static final int PREFETCH = 4;

    static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(10);

    @Test
    void aNodeStoppedWithSigtermFinishesWhatRunsReleasesWhatItClaimedAndExits(TestPostgres.Database database,
            DataSource dataSource) throws Exception {
        try (Cluster cluster = new Cluster(database, dataSource, "deploy")) {
            Db db = cluster.db();
            JdbcTemplate jdbc = db.jdbc();
            List<Node> nodes = cluster.start(3, "deploy", "concurrency=" + CONCURRENCY, "prefetch=" + PREFETCH,
                    "orphanThreshold=PT60S", "shutdownTimeout=" + SHUTDOWN_TIMEOUT);
            cluster.push(Tasks.numbered("deploy", 0, TASKS, TASK_MILLIS));
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(200))
                .failFast("a task was killed", () -> db.countStatus("KILLED") > 0)
                .until(() -> db.countStatus("DONE") >= TASKS / 4);

            Node victim = nodes.get(0);
            String owner = victim.workerIdPrefix("deploy") + "%";
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20))
                .until(() -> cluster.runningOn(victim) >= CONCURRENCY);
            Set<UUID> claimedAtSignal = new HashSet<>(jdbc.queryForList(
                    "SELECT id FROM apalis.tasks WHERE status = 'RUNNING' AND lock_owner LIKE ?", UUID.class, owner));
            Instant signalledAt = cluster.dbNow();
            long signalled = System.nanoTime();
            victim.terminate();
            int exitCode = victim.awaitExit(SHUTDOWN_TIMEOUT.plusSeconds(30));
            Duration exitedAfter = Duration.ofNanos(System.nanoTime() - signalled);

            assertThat(exitCode).as("exit code after SIGTERM").isEqualTo(143);
            assertThat(exitedAfter).as("exit within the shutdown timeout").isLessThan(SHUTDOWN_TIMEOUT);
            assertThat(victim.output()).contains("NODE " + victim.pid() + " STOPPED");
            // in flight at the signal: finished, not cut
            assertThat(count(jdbc, "SELECT count(*) FROM public.executions WHERE pid = ? AND ended_at IS NULL",
                    victim.pid())).as("attempts of the stopped node that never ended").isZero();
            long finishedAfterSignal = count(jdbc, """
                    SELECT count(*) FROM public.executions
                    WHERE pid = ? AND started_at < ? AND ended_at > ?""", victim.pid(), signalledAt.atOffset(ZoneOffset.UTC),
                    signalledAt.atOffset(ZoneOffset.UTC));
            assertThat(finishedAfterSignal).as("attempts in flight at the signal that finished after it").isPositive();
            // claimed ones released at once: nothing left RUNNING under the stopped node, its worker row gone
            assertThat(cluster.runningOn(victim)).as("tasks still RUNNING under the stopped node").isZero();
            assertThat(cluster.registered(victim)).as("the stopped node's worker row").isFalse();
            Set<UUID> startedOnVictim = new HashSet<>(jdbc.queryForList(
                    "SELECT task_id FROM public.executions WHERE pid = ?", UUID.class, victim.pid()));
            Set<UUID> released = new HashSet<>(claimedAtSignal);
            released.removeAll(startedOnVictim);

            await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
                .failFast("a task was killed", () -> db.countStatus("KILLED") > 0)
                .until(() -> db.countStatus("DONE") == TASKS);
            cluster.stopAll(Duration.ofSeconds(30));

            assertThat(db.countByStatus()).containsExactlyEntriesOf(Map.of("DONE", (long) TASKS));
            assertThat(db.tasksNeverStarted()).as("tasks never started").isZero();
            assertThat(db.tasksStartedMoreThanOnce()).as("tasks started more than once").isZero();
            assertThat(jdbc.queryForObject("SELECT max(attempts) FROM apalis.tasks", Integer.class))
                .as("a released claim is not charged an attempt").isEqualTo(1);

            Figures.of("node-deploy")
                .put("tasks", TASKS)
                .put("taskMillis", TASK_MILLIS)
                .put("concurrency", CONCURRENCY)
                .put("prefetch", PREFETCH)
                .put("shutdownTimeout", SHUTDOWN_TIMEOUT)
                .put("claimedAtSigterm", claimedAtSignal.size())
                .put("inFlightFinishedAfterSigterm", finishedAfterSignal)
                .put("releasedUnstarted", released.size())
                .put("exitAfterSigterm", exitedAfter)
                .put("exitCode", exitCode)
                .put("duplicates", db.tasksStartedMoreThanOnce())
                .put("lost", db.tasksNeverStarted())
                .put("maxHeartbeatAgeOfLiveNodes", cluster.maxHeartbeatAge())
                .print();
        }
    }

    private static long count(JdbcTemplate jdbc, String sql, Object... args) {
        Long count = jdbc.queryForObject(sql, Long.class, args);
        return (count != null) ? count : 0;
    }
}
