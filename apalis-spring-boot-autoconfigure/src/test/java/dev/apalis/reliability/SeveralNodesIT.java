package dev.apalis.reliability;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import dev.apalis.test.PostgresDatabase;
import dev.apalis.test.TestPostgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Three worker processes drain one queue of 20,000 tasks: every task is done, and was started exactly
 * once, by one of them.
 */
@PostgresDatabase
class SeveralNodesIT {

    static final int TASKS = 20_000;

    static final int NODES = 3;

    static final int CONCURRENCY = 8;

    @Test
    void threeNodesDrainOneQueueAndRunEachTaskExactlyOnce(TestPostgres.Database database, DataSource dataSource)
            throws Exception {
        try (Cluster cluster = new Cluster(database, dataSource, "drain")) {
            Db db = cluster.db();
            // the default orphan threshold: a live node is never taken for dead, even on a loaded machine
            cluster.start(NODES, "several", "concurrency=" + CONCURRENCY, "orphanThreshold=PT30S");
            Instant start = Instant.now();
            cluster.push(Tasks.numbered("drain", 0, TASKS));
            await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
                .failFast("a task failed or was killed", () -> db.countStatus("KILLED") + db.countStatus("FAILED") > 0)
                .until(() -> db.countStatus("DONE") == TASKS);
            Duration drain = Duration.between(start, Instant.now());
            cluster.stopAll(Duration.ofSeconds(30));

            assertThat(db.countByStatus()).containsExactlyEntriesOf(Map.of("DONE", (long) TASKS));
            assertThat(db.tasksNeverStarted()).as("tasks never started").isZero();
            assertThat(db.tasksStartedMoreThanOnce()).as("tasks started more than once").isZero();
            assertThat(db.jdbc().queryForObject("SELECT max(attempts) FROM apalis.tasks", Integer.class)).isEqualTo(1);
            assertThat(db.jdbc().queryForObject("SELECT count(*) FROM public.executions WHERE ended_at IS NULL",
                    Long.class)).as("attempts started but not ended").isZero();
            Map<Long, Long> byPid = db.executionsByPid();
            assertThat(byPid).as("tasks run by each node").hasSize(NODES)
                .allSatisfy((pid, count) -> assertThat(count).isPositive());
            assertThat(byPid.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(TASKS);

            Figures.of("several-nodes")
                .put("tasks", TASKS)
                .put("nodes", NODES)
                .put("concurrency", CONCURRENCY)
                .put("drain", drain)
                .put("tasksPerSecond", Math.round(TASKS * 1000.0 / Math.max(1, drain.toMillis())))
                .put("perNode", byPid.values())
                .put("duplicates", db.tasksStartedMoreThanOnce())
                .put("lost", db.tasksNeverStarted())
                .put("maxHeartbeatAge", cluster.maxHeartbeatAge())
                .print();
        }
    }
}
