package dev.apalis.reliability;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import org.springframework.jdbc.core.JdbcTemplate;

import dev.apalis.backend.postgres.PostgresStorage;
import dev.apalis.task.NewTask;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskStatus;
import dev.apalis.test.PostgresDatabase;
import dev.apalis.worker.WorkerBuilder;
import dev.apalis.worker.WorkerContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The known limit of heart-beat based recovery: a claim that committed but whose reply never reached
 * the worker (the connection broke in between) belongs to a worker that does not know it holds the
 * task. While that worker heart-beats the task stays RUNNING; once the worker stops (it deregisters)
 * the task is rescued after the orphan threshold like any other. The lost reply is simulated by
 * claiming in the live worker's name.
 */
@PostgresDatabase
class LostClaimReplyTest {

    record Job(int n, int millis) {
    }

    static final Duration THRESHOLD = Duration.ofSeconds(1);

    @Test
    void aClaimWhoseReplyIsLostIsRescuedOnceItsWorkerStops(DataSource dataSource) throws Exception {
        JdbcTemplate jdbc = new JdbcTemplate(dataSource);
        AtomicInteger ran = new AtomicInteger();
        try (PostgresStorage storage = PostgresStorage.builder(dataSource).schema("lost")
            .orphanThreshold(THRESHOLD).build()) {
            WorkerContext worker = WorkerBuilder.named("lost").backend(storage)
                .heartbeatInterval(Duration.ofMillis(200))
                .build(Job.class, (job, ctx) -> ran.incrementAndGet())
                .start();
            String workerId = await().atMost(Duration.ofSeconds(10)).until(
                    () -> jdbc.queryForList("SELECT id FROM lost.workers WHERE name = 'lost'", String.class),
                    ids -> ids.size() == 1).get(0);
            worker.pause();
            TaskId id = storage.push(new NewTask("lost", "{\"n\": 1, \"millis\": 0}", null));
            assertThat(storage.claim("lost", workerId, 1)).hasSize(1); // committed; the worker never hears of it
            worker.resume();

            // three thresholds later: still RUNNING, its owner is alive
            await().during(THRESHOLD.multipliedBy(3)).atMost(THRESHOLD.multipliedBy(6))
                .until(() -> storage.find(id).orElseThrow().status() == TaskStatus.RUNNING);
            worker.stop();
            assertThat(worker.awaitTermination(Duration.ofSeconds(10))).isTrue();
            Instant stopped = Instant.now();
            await().atMost(THRESHOLD.plusSeconds(10))
                .until(() -> storage.find(id).orElseThrow().status() == TaskStatus.PENDING);
            Duration rescuedAfterStop = Duration.between(stopped, Instant.now());
            assertThat(ran.get()).isZero();

            Figures.of("lost-claim-reply")
                .put("orphanThreshold", THRESHOLD)
                .put("stuckWhileItsWorkerRan", THRESHOLD.multipliedBy(3))
                .put("backInQueueAfterWorkerStopped", rescuedAfterStop)
                .print();
        }
    }
}
