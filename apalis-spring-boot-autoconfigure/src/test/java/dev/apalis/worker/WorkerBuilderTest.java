package dev.apalis.worker;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.apalis.backend.memory.MemoryStorage;
import dev.apalis.task.NewTask;
import dev.apalis.task.PayloadException;
import dev.apalis.task.TaskContext;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskOptions;
import dev.apalis.task.TaskStatus;
import dev.apalis.worker.WorkerEvent.TaskFailed;
import tools.jackson.core.type.TypeReference;

import static dev.apalis.worker.WorkerTesting.FAST_RETRIES;
import static dev.apalis.worker.WorkerTesting.awaitStatus;
import static dev.apalis.worker.WorkerTesting.push;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

class WorkerBuilderTest {

    private final MemoryStorage storage = new MemoryStorage();

    private final Recorder recorder = new Recorder();

    private final WorkerTesting.Started started = new WorkerTesting.Started();

    @AfterEach
    void stopWorkers() throws InterruptedException {
        started.stopAll();
    }

    record Mailer(String host) {
    }

    interface Clock {

        long now();
    }

    @Test
    void sharedDataIsReachableFromTheTaskContext() {
        AtomicReference<Object[]> seen = new AtomicReference<>();
        Clock clock = () -> 42L;
        TaskId id = push(storage, "data", 1);
        started.start(WorkerBuilder.named("data").backend(storage).data(new Mailer("smtp.example.com"))
            .data(Clock.class, clock).build(Integer.class, (n, ctx) -> seen.set(new Object[] {
                ctx.data(Mailer.class), ctx.data(Clock.class), ctx.data(Record.class) })));
        awaitStatus(storage, id, TaskStatus.DONE);
        assertThat(seen.get()).containsExactly(new Mailer("smtp.example.com"), clock, new Mailer("smtp.example.com"));
    }

    @Test
    void askingForDataThatWasNotRegisteredFailsTheAttemptWithAClearMessage() {
        TaskId id = push(storage, "no-data", 1);
        started.start(WorkerBuilder.named("no-data").backend(storage).retry(RetryPolicy.none()).onEvent(recorder)
            .build(Integer.class, (n, ctx) -> ctx.data(Mailer.class)));
        awaitStatus(storage, id, TaskStatus.KILLED);
        assertThat(recorder.of(TaskFailed.class, id).get(0).error()).isInstanceOf(IllegalStateException.class)
            .hasMessage("Worker 'no-data' has no data of type " + Mailer.class.getName()
                    + "; register it with WorkerBuilder.data(..)");
    }

    @Test
    void theContextDescribesTheTask() {
        AtomicReference<String> seen = new AtomicReference<>();
        TaskId id = push(storage, "ctx", 1, TaskOptions.defaults().metadata("trace", "t-1").maxAttempts(3));
        started.start(WorkerBuilder.named("ctx").backend(storage).build(Integer.class, (n, ctx) -> seen
            .set(ctx.taskId() + " " + ctx.queue() + " " + ctx.attempt() + "/" + ctx.maxAttempts() + " "
                    + ctx.metadata() + " " + ctx.worker().name() + " " + ctx.worker().isRunning() + " "
                    + ctx.worker().inFlight())));
        awaitStatus(storage, id, TaskStatus.DONE);
        assertThat(seen.get()).isEqualTo(id + " ctx 1/3 " + Map.of("trace", "t-1") + " ctx true 1");
    }

    @Test
    void interceptorsWrapEveryAttemptOutermostFirstAndSeeItsOutcome() {
        List<String> trace = new CopyOnWriteArrayList<>();
        TaskId id = push(storage, "wrapped", 1);
        TaskInterceptor outer = (ctx, attempt) -> {
            trace.add("outer>" + ctx.attempt());
            try {
                attempt.proceed();
                trace.add("outer<ok");
            }
            catch (Exception ex) {
                trace.add("outer<" + ex.getMessage());
                throw ex;
            }
        };
        TaskInterceptor inner = (ctx, attempt) -> {
            trace.add("inner>" + ctx.attempt());
            attempt.proceed();
            trace.add("inner<ok");
        };
        started.start(WorkerBuilder.named("wrapped").backend(storage).retry(FAST_RETRIES).intercept(outer)
            .intercept(inner).build(Integer.class, (n, ctx) -> {
                trace.add("handler" + ctx.attempt());
                if (ctx.attempt() == 1) {
                    throw new IllegalStateException("boom");
                }
            }));
        awaitStatus(storage, id, TaskStatus.DONE);
        assertThat(trace).containsExactly("outer>1", "inner>1", "handler1", "outer<boom", "outer>2", "inner>2",
                "handler2", "inner<ok", "outer<ok");
    }

    @Test
    void interceptorsAlsoWrapPayloadDecoding() {
        List<String> trace = new CopyOnWriteArrayList<>();
        TaskId id = storage.push(new NewTask("decode", "not json", null));
        started.start(WorkerBuilder.named("decode").backend(storage).intercept((ctx, attempt) -> {
            try {
                attempt.proceed();
            }
            catch (PayloadException ex) {
                trace.add("payload error");
                throw ex;
            }
        }).build(Integer.class, (n, ctx) -> trace.add("handler")));
        awaitStatus(storage, id, TaskStatus.KILLED);
        assertThat(trace).containsExactly("payload error");
    }

    @Test
    void anInterceptorCanFailAnAttemptWithoutRunningTheHandler() {
        List<String> trace = new CopyOnWriteArrayList<>();
        TaskId id = push(storage, "vetoed", 1);
        started.start(WorkerBuilder.named("vetoed").backend(storage).retry(RetryPolicy.none()).intercept((ctx, attempt) -> {
            throw new dev.apalis.task.AbortTaskException("tenant suspended");
        }).build(Integer.class, (n, ctx) -> trace.add("handler")));
        awaitStatus(storage, id, TaskStatus.KILLED);
        assertThat(trace).isEmpty();
    }

    @Test
    void genericPayloadTypesAreDecoded() {
        AtomicReference<List<Mailer>> seen = new AtomicReference<>();
        TaskId id = push(storage, "generic", List.of(new Mailer("a"), new Mailer("b")));
        started.start(WorkerBuilder.named("generic").backend(storage)
            .<List<Mailer>>build(new TypeReference<List<Mailer>>() { }.getType(), (mailers, ctx) -> seen.set(mailers)));
        awaitStatus(storage, id, TaskStatus.DONE);
        assertThat(seen.get()).containsExactly(new Mailer("a"), new Mailer("b"));
    }

    @Test
    void aWorkerConsumesItsQueueAndHandlerThreadsComeFromTheFactory() {
        AtomicReference<String> thread = new AtomicReference<>();
        TaskId id = push(storage, "emails", 1);
        Worker worker = WorkerBuilder.named("mailer").queue("emails").backend(storage)
            .handlerThreads(runnable -> new Thread(runnable, "custom-handler"))
            .build(Integer.class, (n, ctx) -> thread.set(Thread.currentThread().getName()));
        assertThat(worker.name()).isEqualTo("mailer");
        assertThat(worker.queue()).isEqualTo("emails");
        assertThat(worker.toString()).contains("mailer", "emails", "NEW");
        started.start(worker);
        awaitStatus(storage, id, TaskStatus.DONE);
        assertThat(thread.get()).isEqualTo("custom-handler");
    }

    @Test
    void rejectsInvalidSettingsWithClearMessages() {
        WorkerBuilder builder = WorkerBuilder.named("w");
        assertThatIllegalArgumentException().isThrownBy(() -> WorkerBuilder.named(" "))
            .withMessage("A worker's name must not be blank");
        assertThatIllegalArgumentException().isThrownBy(() -> builder.queue(""))
            .withMessage("A worker's queue must not be blank");
        assertThatIllegalArgumentException().isThrownBy(() -> builder.concurrency(0))
            .withMessage("Worker 'w': concurrency must be 1 or more, was 0");
        assertThatIllegalArgumentException().isThrownBy(() -> builder.prefetch(-1))
            .withMessage("Worker 'w': prefetch must be 0 or more, was -1");
        assertThatIllegalArgumentException().isThrownBy(() -> builder.timeout(Duration.ZERO))
            .withMessage("Worker 'w': the timeout must be positive, was PT0S");
        assertThatIllegalArgumentException().isThrownBy(() -> builder.rateLimit(0, Duration.ofSeconds(1)))
            .withMessage("Worker 'w': a rate limit needs 1 or more starts per period, was 0");
        assertThatIllegalArgumentException().isThrownBy(() -> builder.rateLimit(1, Duration.ofSeconds(-1)))
            .withMessage("Worker 'w': the rate limit period must be positive, was PT-1S");
        assertThatIllegalArgumentException().isThrownBy(() -> builder.pollInterval(Duration.ZERO))
            .withMessageContaining("poll interval must be positive");
        assertThatIllegalArgumentException().isThrownBy(() -> builder.heartbeatInterval(Duration.ZERO))
            .withMessageContaining("heartbeat interval must be positive");
        assertThatIllegalArgumentException().isThrownBy(() -> builder.shutdownTimeout(Duration.ofSeconds(-1)))
            .withMessage("Worker 'w': the shutdown timeout must not be negative, was PT-1S");
        assertThatNullPointerException().isThrownBy(() -> builder.onEvent(null));
        assertThatIllegalStateException().isThrownBy(() -> builder.build(Integer.class, (n, ctx) -> { }))
            .withMessageStartingWith("Worker 'w' has no backend");
        assertThat(builder.timeout(null)).isSameAs(builder);
    }

    @Test
    void theHandlerSeesTheTaskContextAsAnInterface() {
        AtomicReference<TaskContext> seen = new AtomicReference<>();
        TaskId id = push(storage, "iface", 1);
        started.start(WorkerBuilder.named("iface").backend(storage).build(Integer.class, (n, ctx) -> seen.set(ctx)));
        awaitStatus(storage, id, TaskStatus.DONE);
        assertThat(seen.get().toString()).contains(id.toString(), "iface", "attempt 1/25");
    }
}
