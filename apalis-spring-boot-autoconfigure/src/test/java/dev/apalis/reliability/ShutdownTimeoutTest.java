package dev.apalis.reliability;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import dev.apalis.backend.postgres.PostgresStorage;
import dev.apalis.task.NewTask;
import dev.apalis.task.Task;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskStatus;
import dev.apalis.test.PostgresDatabase;
import dev.apalis.worker.WorkerBuilder;
import dev.apalis.worker.WorkerContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A graceful stop whose task outlasts the shutdown timeout: the handler is interrupted, the attempt
 * is recorded as failed with a clear error and the task may run again at once, on another node.
 */
@PostgresDatabase
class ShutdownTimeoutTest {

    record Job(int n, int millis) {
    }

    @Test
    void aTaskLongerThanTheShutdownTimeoutIsInterruptedAndRunsAgainElsewhere(DataSource dataSource) throws Exception {
        try (PostgresStorage storage = PostgresStorage.builder(dataSource).schema("overrun").build()) {
            CountDownLatch started = new CountDownLatch(1);
            AtomicBoolean interrupted = new AtomicBoolean();
            AtomicInteger attemptOnB = new AtomicInteger();
            TaskId id = storage.push(new NewTask("overrun", "{\"n\": 1, \"millis\": 60000}", null));
            WorkerContext nodeA = WorkerBuilder.named("overrun").backend(storage)
                .shutdownTimeout(Duration.ofSeconds(1))
                .build(Job.class, (job, ctx) -> {
                    started.countDown();
                    try {
                        Thread.sleep(job.millis());
                    }
                    catch (InterruptedException ex) {
                        interrupted.set(true);
                        throw ex;
                    }
                })
                .start();
            assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
            long stopAsked = System.nanoTime();
            nodeA.stop();
            assertThat(nodeA.awaitTermination(Duration.ofSeconds(10))).isTrue();
            Duration stoppedIn = Duration.ofNanos(System.nanoTime() - stopAsked);
            assertThat(interrupted.get()).as("the handler was interrupted").isTrue();
            Task afterStop = storage.find(id).orElseThrow();
            assertThat(afterStop.status()).isEqualTo(TaskStatus.PENDING);
            assertThat(afterStop.attempts()).as("a graceful stop costs no attempt").isZero();
            assertThat(afterStop.lastError()).isEqualTo("Interrupted: worker 'overrun' stopped before the task finished "
                    + "(shutdown timeout PT1S); the attempt is not counted");

            WorkerContext nodeB = WorkerBuilder.named("overrun").backend(storage)
                .build(Job.class, (job, ctx) -> attemptOnB.set(ctx.attempt()))
                .start();
            try {
                await().atMost(Duration.ofSeconds(30))
                    .until(() -> storage.find(id).orElseThrow().status() == TaskStatus.DONE);
            }
            finally {
                nodeB.stop();
                assertThat(nodeB.awaitTermination(Duration.ofSeconds(30))).isTrue();
            }
            assertThat(attemptOnB.get()).isEqualTo(1);
            Figures.of("shutdown-timeout-overrun")
                .put("shutdownTimeout", Duration.ofSeconds(1))
                .put("stoppedIn", stoppedIn)
                .put("statusAfterStop", afterStop.status())
                .put("rerunAttempt", attemptOnB.get())
                .print();
        }
    }
}
