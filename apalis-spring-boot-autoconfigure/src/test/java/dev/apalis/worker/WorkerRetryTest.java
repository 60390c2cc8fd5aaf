package dev.apalis.worker;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.apalis.backend.Completion;
import dev.apalis.backend.ForwardingBackend;
import dev.apalis.backend.memory.MemoryStorage;
import dev.apalis.task.AbortTaskException;
import dev.apalis.task.NewTask;
import dev.apalis.task.PayloadException;
import dev.apalis.task.RetryTaskException;
import dev.apalis.task.Task;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskOptions;
import dev.apalis.task.TaskStatus;
import dev.apalis.worker.WorkerEvent.TaskFailed;
import dev.apalis.worker.WorkerEvent.TaskKilled;
import dev.apalis.worker.WorkerEvent.TaskStarted;
import dev.apalis.worker.WorkerEvent.TaskSucceeded;

import static dev.apalis.worker.WorkerTesting.FAST_RETRIES;
import static dev.apalis.worker.WorkerTesting.awaitStatus;
import static dev.apalis.worker.WorkerTesting.eventually;
import static dev.apalis.worker.WorkerTesting.push;
import static dev.apalis.worker.WorkerTesting.task;
import static org.assertj.core.api.Assertions.assertThat;

class WorkerRetryTest {

    private final MemoryStorage storage = new MemoryStorage();

    private final Recorder recorder = new Recorder();

    private final WorkerTesting.Started started = new WorkerTesting.Started();

    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void stopWorkers() throws InterruptedException {
        release.countDown();
        started.stopAll();
    }

    private WorkerBuilder worker(String name) {
        return WorkerBuilder.named(name).backend(storage).onEvent(recorder);
    }

    /** What a handler saw at the start of one attempt. */
    record Attempt(int attempt, Instant startedAt, Task stored) {
    }

    @Test
    void failedAttemptsAreRetriedWithGrowingPersistedDelays() {
        List<Attempt> attempts = new CopyOnWriteArrayList<>();
        TaskId id = push(storage, "flaky", 1);
        started.start(worker("flaky").retry(FAST_RETRIES.maxAttempts(5)).build(Integer.class, (n, ctx) -> {
            attempts.add(new Attempt(ctx.attempt(), Instant.now(), task(storage, ctx.taskId())));
            if (ctx.attempt() <= 3) {
                throw new IllegalStateException("boom " + ctx.attempt());
            }
        }));
        awaitStatus(storage, id, TaskStatus.DONE);

        List<TaskFailed> failures = recorder.of(TaskFailed.class, id);
        assertThat(failures).extracting(TaskFailed::attempt).containsExactly(1, 2, 3);
        assertThat(failures).allSatisfy(failed -> {
            assertThat(failed.willRetry()).isTrue();
            assertThat(failed.nextAttemptAt()).isPresent();
            assertThat(failed.error()).isInstanceOf(IllegalStateException.class);
        });
        assertThat(failures).extracting(failed -> Duration.between(failed.at(), failed.retryAt()))
            .containsExactly(Duration.ofMillis(20), Duration.ofMillis(40), Duration.ofMillis(80));

        assertThat(attempts).extracting(Attempt::attempt).containsExactly(1, 2, 3, 4);
        for (int i = 1; i < attempts.size(); i++) {
            Attempt attempt = attempts.get(i);
            TaskFailed previous = failures.get(i - 1);
            assertThat(attempt.stored().attempts()).as("persisted attempts").isEqualTo(attempt.attempt());
            assertThat(attempt.stored().status()).isEqualTo(TaskStatus.RUNNING);
            // written as a delay from the backend's clock when the outcome is recorded, just after the event
            assertThat(attempt.stored().runAt()).as("persisted retry time").isBetween(previous.retryAt(),
                    previous.retryAt().plusMillis(500));
            assertThat(attempt.stored().lastError()).contains("boom " + (i));
            assertThat(attempt.startedAt()).as("not before the backoff").isAfterOrEqualTo(previous.retryAt());
        }
        Task done = task(storage, id);
        assertThat(done.attempts()).isEqualTo(4);
        assertThat(recorder.of(TaskSucceeded.class, id)).singleElement()
            .satisfies(succeeded -> assertThat(succeeded.attempt()).isEqualTo(4));
        assertThat(recorder.of(TaskKilled.class, id)).isEmpty();
    }

    @Test
    void aTaskIsKilledAfterItsLastAttemptWithTheLastErrorKept() {
        TaskId id = push(storage, "doomed", 1);
        started.start(worker("doomed").retry(FAST_RETRIES.maxAttempts(3)).build(Integer.class, (n, ctx) -> {
            throw new IllegalStateException("boom " + ctx.attempt());
        }));
        TaskKilled killed = recorder.await(TaskKilled.class, id);
        Task task = task(storage, id);
        assertThat(task.status()).isEqualTo(TaskStatus.KILLED);
        assertThat(task.attempts()).isEqualTo(3);
        assertThat(task.finishedAt()).isNotNull();
        assertThat(task.lastError()).startsWith("Gave up after 3 attempts; last error: ")
            .contains("IllegalStateException: boom 3");
        assertThat(killed.reason()).isEqualTo(task.lastError());
        assertThat(killed.attempt()).isEqualTo(3);
        assertThat(recorder.forTask(id)).extracting(event -> event.getClass().getSimpleName() + event.attempt())
            .containsExactly("TaskStarted1", "TaskFailed1", "TaskStarted2", "TaskFailed2", "TaskStarted3", "TaskFailed3",
                    "TaskKilled3");
        TaskFailed last = recorder.of(TaskFailed.class, id).get(2);
        assertThat(last.willRetry()).isFalse();
        assertThat(last.retryAt()).isNull();
        assertThat(last.error()).hasMessage("boom 3");
    }

    @Test
    void aTasksOwnMaxAttemptsOverridesThePolicy() {
        Map<TaskId, Integer> maxSeen = new ConcurrentHashMap<>();
        TaskId own = push(storage, "limits", 1, TaskOptions.defaults().maxAttempts(2));
        TaskId policy = push(storage, "limits", 2);
        started.start(worker("limits").retry(FAST_RETRIES.maxAttempts(4)).build(Integer.class, (n, ctx) -> {
            maxSeen.put(ctx.taskId(), ctx.maxAttempts());
            throw new IllegalStateException("always");
        }));
        recorder.await(TaskKilled.class, own);
        recorder.await(TaskKilled.class, policy);
        assertThat(task(storage, own).attempts()).isEqualTo(2);
        assertThat(task(storage, policy).attempts()).isEqualTo(4);
        assertThat(maxSeen).containsEntry(own, 2).containsEntry(policy, 4);
    }

    @Test
    void anAbortTaskExceptionKillsAtOnce() {
        TaskId id = push(storage, "abort", 1);
        started.start(worker("abort").retry(FAST_RETRIES).build(Integer.class, (n, ctx) -> {
            throw new AbortTaskException("invalid e-mail address");
        }));
        TaskKilled killed = recorder.await(TaskKilled.class, id);
        Task task = task(storage, id);
        assertThat(task.status()).isEqualTo(TaskStatus.KILLED);
        assertThat(task.attempts()).isEqualTo(1);
        assertThat(task.lastError()).contains("AbortTaskException: invalid e-mail address");
        assertThat(killed.reason()).isEqualTo(task.lastError());
        assertThat(recorder.forTask(id)).extracting(event -> event.getClass().getSimpleName())
            .containsExactly("TaskStarted", "TaskFailed", "TaskKilled");
        assertThat(recorder.of(TaskFailed.class, id).get(0).willRetry()).isFalse();
    }

    @Test
    void aRetryTaskExceptionRetriesAfterItsOwnDelayNotTheBackoff() {
        List<Instant> startedAt = new CopyOnWriteArrayList<>();
        TaskId id = push(storage, "later", 1);
        RetryPolicy slowBackoff = RetryPolicy.exponential(Duration.ofMinutes(10), 2.0, Duration.ofHours(1), 0.0);
        started.start(worker("later").retry(slowBackoff).build(Integer.class, (n, ctx) -> {
            startedAt.add(Instant.now());
            if (ctx.attempt() == 1) {
                throw new RetryTaskException("rate limited by the API", Duration.ofMillis(150));
            }
        }));
        awaitStatus(storage, id, TaskStatus.DONE);
        TaskFailed failed = recorder.of(TaskFailed.class, id).get(0);
        assertThat(Duration.between(failed.at(), failed.retryAt())).isEqualTo(Duration.ofMillis(150));
        assertThat(failed.error()).isInstanceOf(RetryTaskException.class);
        assertThat(startedAt).hasSize(2);
        assertThat(startedAt.get(1)).isAfterOrEqualTo(failed.retryAt());
        assertThat(task(storage, id).attempts()).isEqualTo(2);
    }

    @Test
    void aRetryTaskExceptionOnTheLastAttemptKills() {
        TaskId id = push(storage, "last", 1, TaskOptions.defaults().maxAttempts(1));
        started.start(worker("last").build(Integer.class, (n, ctx) -> {
            throw new RetryTaskException("again", Duration.ofMillis(1));
        }));
        recorder.await(TaskKilled.class, id);
        assertThat(task(storage, id).status()).isEqualTo(TaskStatus.KILLED);
        assertThat(task(storage, id).lastError()).contains("Gave up after 1 attempt;", "again");
    }

    record Email(String to, int retries) {
    }

    @Test
    void aPoisonPayloadIsKilledAtOnceAndTheNextTaskRuns() {
        List<Email> handled = new CopyOnWriteArrayList<>();
        TaskId poison = storage.push(new NewTask("mail", "{\"to\":\"x\",\"retries\":\"many\"}", null));
        TaskId good = push(storage, "mail", new Email("a@example.com", 1));
        started.start(worker("mail").concurrency(1).retry(FAST_RETRIES)
            .build(Email.class, (email, ctx) -> handled.add(email)));
        awaitStatus(storage, good, TaskStatus.DONE);
        TaskKilled killed = recorder.await(TaskKilled.class, poison);
        Task task = task(storage, poison);
        assertThat(task.status()).isEqualTo(TaskStatus.KILLED);
        assertThat(task.attempts()).isEqualTo(1);
        assertThat(task.lastError()).contains(PayloadException.class.getName())
            .contains("Cannot read the payload as " + Email.class.getName());
        assertThat(killed.reason()).isEqualTo(task.lastError());
        assertThat(recorder.of(TaskFailed.class, poison)).singleElement()
            .satisfies(failed -> assertThat(failed.error()).isInstanceOf(PayloadException.class));
        assertThat(handled).containsExactly(new Email("a@example.com", 1));
    }

    /**
     * A worker whose other slot is busy must still honour a short retry delay, instead of sleeping
     * for its poll interval: the completer records the retry after the fetcher looked for the next
     * run time (the backend below makes that order certain), so it must wake the fetcher.
     */
    @Test
    void aShortRetryIsNotDelayedByThePollIntervalWhileAnotherTaskRuns() {
        AtomicBoolean failedOnce = new AtomicBoolean();
        CountDownLatch fetcherLooked = new CountDownLatch(1);
        ForwardingBackend backend = new ForwardingBackend(storage) {

            @Override
            public Optional<Duration> nextRunIn(String queue) {
                Optional<Duration> next = super.nextRunIn(queue);
                if (failedOnce.get()) {
                    fetcherLooked.countDown();
                }
                return next;
            }

            @Override
            public void complete(String workerId, Collection<Completion> completions) {
                if (completions.stream().anyMatch(Completion.Retry.class::isInstance)) {
                    try {
                        fetcherLooked.await(2, TimeUnit.SECONDS);
                    }
                    catch (InterruptedException ex) {
                        Thread.currentThread().interrupt();
                    }
                }
                super.complete(workerId, completions);
            }
        };
        AtomicInteger flakyAttempts = new AtomicInteger();
        TaskId slow = push(storage, "busy", "slow");
        started.start(WorkerBuilder.named("busy").backend(backend).concurrency(2).retry(FAST_RETRIES)
            .pollInterval(Duration.ofSeconds(30)).onEvent(recorder).build(String.class, (name, ctx) -> {
                if (name.equals("slow")) {
                    release.await();
                }
                else if (flakyAttempts.incrementAndGet() == 1) {
                    failedOnce.set(true);
                    throw new IllegalStateException("transient");
                }
            }));
        recorder.await(TaskStarted.class, slow);
        TaskId flaky = push(storage, "busy", "flaky");
        eventually().atMost(Duration.ofSeconds(5))
            .untilAsserted(() -> assertThat(WorkerTesting.status(storage, flaky)).isEqualTo(TaskStatus.DONE));
        assertThat(WorkerTesting.status(storage, slow)).isEqualTo(TaskStatus.RUNNING);
        assertThat(flakyAttempts.get()).isEqualTo(2);
    }
}
