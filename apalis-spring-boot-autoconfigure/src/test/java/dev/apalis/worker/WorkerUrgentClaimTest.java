package dev.apalis.worker;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import javax.sql.DataSource;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.apalis.backend.Backend;
import dev.apalis.backend.ClaimRequest;
import dev.apalis.backend.ForwardingBackend;
import dev.apalis.backend.QueueCount;
import dev.apalis.backend.memory.MemoryStorage;
import dev.apalis.backend.postgres.PostgresStorage;
import dev.apalis.task.Task;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskOptions;
import dev.apalis.task.TaskStatus;
import dev.apalis.test.PostgresDatabase;

import static dev.apalis.worker.WorkerTesting.eventually;
import static dev.apalis.worker.WorkerTesting.push;
import static dev.apalis.worker.WorkerTesting.pushAll;
import static dev.apalis.worker.WorkerTesting.status;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A worker full of tasks claimed ahead claims, at a push's wake-up, only the tasks more urgent than all
 * of them, which then start first; a push of an ordinary task claims nothing until the worker refills,
 * and wake-ups that come together give one such claim.
 * The worker: concurrency 1, prefetch 50, handlers held by a latch, so that it holds 51 tasks and
 * sends no ordinary claim; a poll interval of a minute, so that only the wake-up can bring a claim.
 */
@PostgresDatabase
class WorkerUrgentClaimTest {

    private static final int BACKLOG = 60;

    private static final int HELD = 51;

    private static final int URGENT = 1000;

    private final WorkerTesting.Started started = new WorkerTesting.Started();

    private final CountDownLatch release = new CountDownLatch(1);

    private final List<Integer> order = new CopyOnWriteArrayList<>();

    @AfterEach
    void stop() throws InterruptedException {
        release.countDown();
        started.stopAll();
    }

    @Test
    void anUrgentTaskPushedWhileTheWorkerIsFullStartsBeforeTheTasksClaimedAheadOnMemoryStorage() {
        anUrgentTaskPushedWhileTheWorkerIsFullStartsBeforeTheTasksClaimedAhead(new MemoryStorage());
    }

    @Test
    void anUrgentTaskPushedWhileTheWorkerIsFullStartsBeforeTheTasksClaimedAheadOnPostgres(DataSource dataSource) {
        try (PostgresStorage storage = PostgresStorage.builder(dataSource).schema("urgent_first").build()) {
            anUrgentTaskPushedWhileTheWorkerIsFullStartsBeforeTheTasksClaimedAhead(storage);
        }
    }

    @Test
    void anOrdinaryPushWhileTheWorkerIsFullClaimsNothingOnMemoryStorage() {
        anOrdinaryPushWhileTheWorkerIsFullClaimsNothing(new MemoryStorage());
    }

    @Test
    void anOrdinaryPushWhileTheWorkerIsFullClaimsNothingOnPostgres(DataSource dataSource) {
        try (PostgresStorage storage = PostgresStorage.builder(dataSource).schema("urgent_none").build()) {
            anOrdinaryPushWhileTheWorkerIsFullClaimsNothing(storage);
        }
    }

    @Test
    void pushesThatComeWhileABoundedClaimIsInFlightGiveOneMoreClaimNotOneEach() throws InterruptedException {
        MemoryStorage storage = new MemoryStorage();
        ClaimLog claims = new ClaimLog(storage);
        startFullWorker(storage, claims);

        claims.holdNextBoundedClaim();
        push(storage, "q", BACKLOG);
        assertThat(claims.inHeldClaim.await(10, TimeUnit.SECONDS)).as("the push's claim was sent").isTrue();
        for (int n = 1; n <= 5; n++) {
            push(storage, "q", BACKLOG + n);
        }
        claims.proceed.countDown();

        eventually().until(() -> claims.bounded().size() == 2);
        Awaitility.await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5))
            .until(() -> claims.bounded().size() == 2);
        assertThat(claims.bounded()).extracting(ClaimLog.Claim::tasks).containsOnly(0);
        assertThat(count(storage, TaskStatus.RUNNING)).isEqualTo(HELD);
    }

    private void anUrgentTaskPushedWhileTheWorkerIsFullStartsBeforeTheTasksClaimedAhead(Backend storage) {
        startFullWorker(storage, storage);

        TaskId urgent = push(storage, "q", URGENT, TaskOptions.defaults().priority(-10));

        eventually().until(() -> status(storage, urgent) == TaskStatus.RUNNING);
        assertThat(count(storage, TaskStatus.RUNNING)).as("only the urgent task was claimed").isEqualTo(HELD + 1);
        release.countDown();
        eventually().until(() -> count(storage, TaskStatus.DONE) == BACKLOG + 1);
        assertThat(order).hasSize(BACKLOG + 1);
        assertThat(order.indexOf(URGENT)).as("started right after the task that ran when it was pushed").isEqualTo(1);
    }

    private void anOrdinaryPushWhileTheWorkerIsFullClaimsNothing(Backend storage) {
        ClaimLog claims = new ClaimLog(storage);
        startFullWorker(storage, claims);
        int claimedBefore = claims.tasksClaimed();

        TaskId ordinary = push(storage, "q", BACKLOG);

        // The push's wake-up sends a claim bounded below the waiting tasks' priority, which finds nothing.
        long waitingWithThePush = BACKLOG + 1 - HELD;
        eventually().until(() -> claims.bounded().stream().anyMatch(claim -> claim.pending() == waitingWithThePush));
        assertThat(claims.bounded()).allSatisfy(claim -> {
            assertThat(claim.request().priorityBelow()).hasValue(0);
            assertThat(claim.tasks()).isZero();
        });
        assertThat(claims.tasksClaimed()).isEqualTo(claimedBefore).isEqualTo(HELD);
        assertThat(status(storage, ordinary)).isEqualTo(TaskStatus.PENDING);
        assertThat(count(storage, TaskStatus.RUNNING)).isEqualTo(HELD);
    }

    /** Starts the worker on {@code backend} and waits until it holds 51 tasks of 60, one of them running. */
    private void startFullWorker(Backend storage, Backend backend) {
        pushAll(storage, "q", BACKLOG);
        started.start(WorkerBuilder.named("q").backend(backend).concurrency(1).prefetch(50)
            .pollInterval(Duration.ofMinutes(1))
            .build(Integer.class, (n, context) -> {
                order.add(n);
                release.await();
            }));
        eventually().until(() -> order.size() == 1 && count(storage, TaskStatus.RUNNING) == HELD);
    }

    private static long count(Backend storage, TaskStatus status) {
        return storage.countByQueueAndStatus()
            .stream()
            .filter(count -> count.status() == status)
            .mapToLong(QueueCount::count)
            .sum();
    }

    /**
     * Records every claim, what it returned and, for one bounded by priority, how many tasks were pending
     * when it was sent; can hold the next bounded claim until the test lets it proceed.
     */
    private static final class ClaimLog extends ForwardingBackend {

        record Claim(ClaimRequest request, int tasks, long pending) {
        }

        final List<Claim> claims = new CopyOnWriteArrayList<>();

        final CountDownLatch inHeldClaim = new CountDownLatch(1);

        final CountDownLatch proceed = new CountDownLatch(1);

        private final AtomicBoolean holdBounded = new AtomicBoolean();

        ClaimLog(Backend delegate) {
            super(delegate);
        }

        void holdNextBoundedClaim() {
            holdBounded.set(true);
        }

        @Override
        public List<Task> claim(ClaimRequest request) {
            boolean bounded = request.priorityBelow().isPresent();
            if (bounded && holdBounded.compareAndSet(true, false)) {
                inHeldClaim.countDown();
                try {
                    if (!proceed.await(10, TimeUnit.SECONDS)) {
                        throw new IllegalStateException("the test never let the claim proceed");
                    }
                }
                catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(ex);
                }
            }
            long pending = bounded ? count(this, TaskStatus.PENDING) : 0;
            List<Task> tasks = super.claim(request);
            claims.add(new Claim(request, tasks.size(), pending));
            return tasks;
        }

        List<Claim> bounded() {
            return claims.stream().filter(claim -> claim.request().priorityBelow().isPresent()).toList();
        }

        int tasksClaimed() {
            return claims.stream().mapToInt(Claim::tasks).sum();
        }
    }
}
