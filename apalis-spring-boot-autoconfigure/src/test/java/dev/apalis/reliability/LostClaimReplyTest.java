package dev.apalis.reliability;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import org.springframework.dao.DataAccessResourceFailureException;

import dev.apalis.backend.Backend;
import dev.apalis.backend.ClaimRequest;
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
 * A claim that committed but whose reply never reached the worker (the connection broke in between)
 * belongs to a worker that does not know it holds the task. Its heart-beats name the tasks it does
 * hold; the orphan rescuer puts back, after the threshold, the claims a live worker does not name. The
 * lost reply is made real: the worker's own claim commits, then the backend throws instead of
 * answering.
 */
@PostgresDatabase
class LostClaimReplyTest {

    record Job(int n, int millis) {
    }

    static final Duration THRESHOLD = Duration.ofSeconds(1);

    @Test
    void aClaimWhoseReplyIsLostGoesBackToTheQueueWithinTheThresholdWhileItsWorkerLives(DataSource dataSource)
            throws Exception {
        AtomicInteger ran = new AtomicInteger();
        try (PostgresStorage storage = PostgresStorage.builder(dataSource).schema("lost")
            .orphanThreshold(THRESHOLD).build()) {
            LosingBackend losing = new LosingBackend(storage);
            WorkerContext worker = WorkerBuilder.named("lost").backend(losing.proxy())
                .heartbeatInterval(Duration.ofMillis(200))
                .build(Job.class, (job, ctx) -> ran.incrementAndGet())
                .start();
            losing.armed.set(true);
            TaskId id = storage.push(new NewTask("lost", "{\"n\": 1, \"millis\": 0}", null));
            assertThat(losing.lost.await(10, TimeUnit.SECONDS)).as("the claim committed and its reply was lost").isTrue();
            long lostAt = System.nanoTime();
            assertThat(storage.find(id).orElseThrow().status()).isEqualTo(TaskStatus.RUNNING);

            await().atMost(THRESHOLD.multipliedBy(5)).until(() -> storage.find(id).orElseThrow().status() == TaskStatus.DONE);
            Duration doneAfter = Duration.ofNanos(System.nanoTime() - lostAt);
            assertThat(worker.isRunning()).as("its worker lived throughout").isTrue();
            assertThat(ran.get()).as("run once, after it went back to the queue").isOne();
            assertThat(storage.find(id).orElseThrow().attempts()).as("the lost claim cost no attempt").isOne();
            worker.stop();
            assertThat(worker.awaitTermination(Duration.ofSeconds(10))).isTrue();

            Figures.of("lost-claim-reply")
                .put("orphanThreshold", THRESHOLD)
                .put("heartbeatInterval", Duration.ofMillis(200))
                .put("doneAfterTheLostReply", doneAfter)
                .print();
        }
    }

    /** Forwards to a storage; once armed, its next non-empty claim commits and then fails as a broken connection. */
    static final class LosingBackend {

        final AtomicBoolean armed = new AtomicBoolean();

        final CountDownLatch lost = new CountDownLatch(1);

        private final Backend delegate;

        LosingBackend(Backend delegate) {
            this.delegate = delegate;
        }

        Backend proxy() {
            return (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] { Backend.class },
                    (proxy, method, args) -> {
                        Object result;
                        try {
                            result = method.invoke(delegate, args);
                        }
                        catch (InvocationTargetException ex) {
                            throw ex.getCause();
                        }
                        if (method.getName().equals("claim") && args.length == 1 && args[0] instanceof ClaimRequest
                                && !((java.util.List<?>) result).isEmpty() && armed.compareAndSet(true, false)) {
                            lost.countDown();
                            throw new DataAccessResourceFailureException("connection reset before the claim's reply");
                        }
                        return result;
                    });
        }
    }
}
