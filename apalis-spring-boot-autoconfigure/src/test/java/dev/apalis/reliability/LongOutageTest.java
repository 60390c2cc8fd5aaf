package dev.apalis.reliability;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import dev.apalis.backend.postgres.PostgresStorage;
import dev.apalis.test.DatabaseOutage;
import dev.apalis.test.PostgresDatabase;
import dev.apalis.test.TestPostgres;
import dev.apalis.worker.WorkerBuilder;
import dev.apalis.worker.WorkerContext;
import dev.apalis.worker.WorkerEvent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 12: a database outage longer than the orphan threshold, under two live nodes that hold tasks
 * claimed ahead, duplicates nothing. Each worker stops starting its claimed-ahead tasks once it could
 * not heart-beat for the threshold and releases them when the database is back; no rescuer judges a
 * claim until its node has reached the database for a full threshold again, by which time the live
 * workers have heart-beaten.
 * <p>
 * The figures are a 30 s threshold (the default), a 45 s outage and the default 5 s heart-beat;
 * tasks take 6 s, so that a worker's claimed-ahead tasks outlast the threshold. They are multiplied by
 * the system property {@code apalis.long-outage.scale}: {@code 0.1} by default (3 s, 4.5 s, 0.5 s,
 * 600 ms) so that CI stays quick, the outage still 1.5 thresholds long;
 * {@code -Dapalis.long-outage.scale=1} runs the full-scale version (about three minutes).
 */
@PostgresDatabase
@ExtendWith(OutputCaptureExtension.class)
class LongOutageTest {

    private static final Pattern FENCED = Pattern.compile("could not heart-beat for its backend's orphan threshold "
            + "of \\S+; it starts none of its (\\d+) claimed-ahead task");

    record Job(int n, int millis) {
    }

    static final double SCALE = Double.parseDouble(System.getProperty("apalis.long-outage.scale", "0.1"));

    static final Duration THRESHOLD = scaled(Duration.ofSeconds(30));

    static final Duration OUTAGE = scaled(Duration.ofSeconds(45));

    static final Duration HEARTBEAT = scaled(Duration.ofSeconds(5));

    static final int TASKS = 30;

    /** Long enough that the 10 tasks a worker claims ahead outlast the threshold (scaled as the rest). */
    static final int TASK_MILLIS = (int) scaled(Duration.ofSeconds(6)).toMillis();

    static final int NODES = 2;

    @Test
    void anOutageLongerThanTheOrphanThresholdRunsNoTaskTwice(TestPostgres.Database database, DataSource dataSource,
            CapturedOutput output) throws Exception {
        DatabaseOutage outage = DatabaseOutage.ofTestServer();
        Db db = new Db(dataSource, "outage");
        Map<Integer, AtomicInteger> runs = new ConcurrentHashMap<>();
        List<Instant> starts = new CopyOnWriteArrayList<>();
        List<HikariDataSource> pools = new ArrayList<>();
        List<PostgresStorage> storages = new ArrayList<>();
        List<WorkerContext> workers = new ArrayList<>();
        try {
            for (int i = 1; i <= NODES; i++) {
                HikariDataSource pool = Pools.create(database, 6, 1000);
                pools.add(pool);
                PostgresStorage storage = PostgresStorage.builder(pool).schema("outage").orphanThreshold(THRESHOLD)
                    .build();
                storages.add(storage);
                workers.add(WorkerBuilder.named("outage-node-" + i).queue("outage").backend(storage)
                    .concurrency(1)
                    .prefetch(10)
                    .heartbeatInterval(HEARTBEAT)
                    .onEvent((ctx, event) -> {
                        if (event instanceof WorkerEvent.TaskStarted) {
                            starts.add(Instant.now());
                        }
                    })
                    .build(Job.class, (job, ctx) -> {
                        runs.computeIfAbsent(job.n(), n -> new AtomicInteger()).incrementAndGet();
                        Thread.sleep(job.millis());
                    })
                    .start());
            }
            storages.get(0).pushAll(Tasks.numbered("outage", 0, TASKS, TASK_MILLIS));
            await().atMost(Duration.ofSeconds(30)).until(() -> runs.size() >= 2);
            long waitingAtStop = db.countStatus("RUNNING") - NODES;

            outage.during(() -> {
                // within the outage both workers fence themselves once they could not heart-beat for the threshold
                await().atMost(OUTAGE).until(() -> fences(output.getOut()).count() == NODES);
                // and the database stays down for the rest of the outage, whose length is what is tested
                outage.lastsFor(OUTAGE, () -> workers.stream().allMatch(WorkerContext::isRunning));
            });
            Instant stoppedAt = outage.stoppedAt();
            Instant backAt = outage.backAt();

            await().atMost(Duration.ofMinutes(2).plus(THRESHOLD.multipliedBy(2)))
                .until(() -> db.countStatus("DONE") == TASKS);

            // fenced: nothing started from a threshold (plus a heart-beat round) into the outage until it ended
            Instant fencedFrom = stoppedAt.plus(THRESHOLD).plus(HEARTBEAT).plusMillis(500);
            long startedWhileFenced = starts.stream().filter(at -> at.isAfter(fencedFrom) && at.isBefore(backAt)).count();
            assertThat(waitingAtStop).as("tasks claimed ahead when the database stopped").isPositive();
            long fenced = fences(output.getOut()).count();
            int waitingAtFence = fences(output.getOut()).mapToInt(Integer::parseInt).sum();
            assertThat(fenced).as("workers that stopped starting tasks").isEqualTo(NODES);
            assertThat(waitingAtFence).as("claimed-ahead tasks held back, then released").isPositive();
            assertThat(startedWhileFenced).as("tasks started after heart-beats failed for the threshold").isZero();
            assertThat(runs).as("tasks run").hasSize(TASKS);
            assertThat(runs.values()).as("runs per task").allSatisfy(count -> assertThat(count.get()).isEqualTo(1));
            assertThat(db.jdbc().queryForObject("SELECT max(attempts) FROM outage.tasks", Integer.class)).isEqualTo(1);
            assertThat(db.jdbc().queryForObject("SELECT count(*) FROM outage.tasks WHERE unstarted_rescues > 0",
                    Integer.class)).as("tasks rescued from live nodes").isZero();

            Figures.of("long-outage")
                .put("orphanThreshold", THRESHOLD)
                .put("outage", outage.length())
                .put("nodes", NODES)
                .put("tasks", TASKS)
                .put("claimedAheadAtStop", waitingAtStop)
                .put("heldBackAtFence", waitingAtFence)
                .put("startedWhileFenced", startedWhileFenced)
                .put("duplicates", runs.values().stream().filter(count -> count.get() > 1).count())
                .put("lost", TASKS - runs.size())
                .print();
        }
        finally {
            Teardown.stopWorkersThenClose(workers, storages, pools);
        }
    }

    /** How many claimed-ahead tasks each worker fence held back, one entry per fence logged so far. */
    private static Stream<String> fences(String output) {
        return FENCED.matcher(output).results().map(result -> result.group(1));
    }

    private static Duration scaled(Duration full) {
        return Duration.ofMillis(Math.round(full.toMillis() * SCALE));
    }
}
