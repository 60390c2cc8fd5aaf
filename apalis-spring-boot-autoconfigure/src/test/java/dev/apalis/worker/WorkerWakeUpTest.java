package dev.apalis.worker;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.apalis.backend.Backend;
import dev.apalis.backend.ForwardingBackend;
import dev.apalis.backend.memory.MemoryStorage;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskOptions;

import static dev.apalis.worker.WorkerTesting.push;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A worker with a long poll interval still starts a delayed task at its time when the look-up of the
 * next run time reaches the store only after the task became due (a busy machine, a slow network):
 * the claim that came back empty just before the run time and the look-up just after it must not
 * leave the worker waiting for its next poll (issue 12, a lost wake-up).
 */
class WorkerWakeUpTest {

    private static final Duration LONG_POLL = Duration.ofSeconds(60);

    private final WorkerTesting.Started started = new WorkerTesting.Started();

    @AfterEach
    void stopWorkers() throws InterruptedException {
        started.stopAll();
    }

    /**
     * Every look-up reaches the store 150 ms after it is asked. A worker that aimed its claim at the
     * run time minus the look-up's round trip claimed 150 ms early, found nothing, and its next look-up
     * (after the run time) no longer saw a future task: it slept for the poll interval.
     */
    @Test
    void aDelayedTaskStartsAtItsTimeWhenLookUpsAreSlow() {
        MemoryStorage storage = new MemoryStorage();
        SlowLookUps backend = new SlowLookUps(storage);
        backend.alwaysDelay(Duration.ofMillis(150));
        Map<Integer, Instant> startedAt = new ConcurrentHashMap<>();
        started.start(WorkerBuilder.named("q").backend(backend).concurrency(1).pollInterval(LONG_POLL)
            .build(Integer.class, (n, context) -> startedAt.put(n, Instant.now())));

        TaskId id = push(storage, "q", 1, TaskOptions.defaults().delay(Duration.ofSeconds(1)));
        Instant runAt = storage.find(id).orElseThrow().runAt();

        await().atMost(Duration.ofSeconds(5)).until(() -> startedAt.containsKey(1));
        assertThat(startedAt.get(1)).isAfterOrEqualTo(runAt).isBefore(runAt.plusSeconds(1));
    }

    /**
     * The worker waits for a task due at R; another push wakes it just before R, its claim comes back
     * empty, and the look-up after that claim reaches the store after R, so it reports only the pushed
     * task's far run time. The run time the worker learnt first still holds: it claims at R.
     */
    @Test
    void aWakeJustBeforeADueTimeDoesNotMakeTheWorkerForgetIt() throws InterruptedException {
        MemoryStorage storage = new MemoryStorage();
        SlowLookUps backend = new SlowLookUps(storage);
        Map<Integer, Instant> startedAt = new ConcurrentHashMap<>();
        started.start(WorkerBuilder.named("q").backend(backend).concurrency(1).pollInterval(LONG_POLL)
            .build(Integer.class, (n, context) -> startedAt.put(n, Instant.now())));

        TaskId id = push(storage, "q", 1, TaskOptions.defaults().delay(Duration.ofSeconds(1)));
        Instant runAt = storage.find(id).orElseThrow().runAt();
        assertThat(backend.nearRunTimeLearnt.await(5, TimeUnit.SECONDS)).as("the worker looked up the run time").isTrue();

        backend.holdNextLookUpUntil(runAt.plusMillis(20));
        push(storage, "q", 2, TaskOptions.defaults().delay(Duration.ofHours(1)));

        await().atMost(Duration.ofSeconds(5)).until(() -> startedAt.containsKey(1));
        assertThat(backend.heldLookUpAnswered.getCount()).as("the held look-up was answered").isZero();
        assertThat(startedAt.get(1)).isAfterOrEqualTo(runAt).isBefore(runAt.plusSeconds(1));
    }

    /**
     * Look-ups of the next run time that reach the store late: each one after a fixed delay, or one
     * held until a given time. Models a busy machine or a slow network; it synchronises nothing.
     */
    private static final class SlowLookUps extends ForwardingBackend {

        final CountDownLatch nearRunTimeLearnt = new CountDownLatch(1);

        final CountDownLatch heldLookUpAnswered = new CountDownLatch(1);

        private volatile Duration delay = Duration.ZERO;

        private final AtomicBoolean holdArmed = new AtomicBoolean();

        private volatile Instant holdUntil;

        SlowLookUps(Backend delegate) {
            super(delegate);
        }

        void alwaysDelay(Duration delay) {
            this.delay = delay;
        }

        void holdNextLookUpUntil(Instant until) {
            holdUntil = until;
            holdArmed.set(true);
        }

        @Override
        public Optional<Duration> nextRunIn(String queue) {
            boolean held = holdArmed.compareAndSet(true, false);
            if (held) {
                Instant until = holdUntil;
                while (Instant.now().isBefore(until)) {
                    LockSupport.parkNanos(Duration.between(Instant.now(), until).toNanos());
                }
            }
            else if (!delay.isZero()) {
                LockSupport.parkNanos(delay.toNanos());
            }
            Optional<Duration> next = super.nextRunIn(queue);
            if (held) {
                heldLookUpAnswered.countDown();
            }
            if (next.isPresent() && next.get().compareTo(Duration.ofSeconds(2)) < 0) {
                nearRunTimeLearnt.countDown();
            }
            return next;
        }
    }
}
