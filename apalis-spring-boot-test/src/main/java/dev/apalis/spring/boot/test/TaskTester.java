package dev.apalis.spring.boot.test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.reflect.Type;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

import org.jspecify.annotations.Nullable;

import org.springframework.context.ApplicationEventPublisher;

import dev.apalis.backend.Backend;
import dev.apalis.backend.Completion;
import dev.apalis.backend.WorkerRegistration;
import dev.apalis.spring.WorkerDefinition;
import dev.apalis.spring.Workers;
import dev.apalis.spring.boot.WorkerLifecycle;
import dev.apalis.task.AbortTaskException;
import dev.apalis.task.PayloadCodec;
import dev.apalis.task.PayloadException;
import dev.apalis.task.RetryTaskException;
import dev.apalis.task.Task;
import dev.apalis.task.TaskContext;
import dev.apalis.worker.TaskFunction;
import dev.apalis.worker.TaskInterceptor;
import dev.apalis.worker.WorkerEvent;

/**
 * Looks at the tasks a test pushed and runs them, in the test thread, through the application's own
 * handlers, the way its workers would: the payload is read with the application's codec, every
 * {@link TaskInterceptor} bean wraps the attempt, and the outcome is written to the backend (done,
 * retried after the worker's backoff, or killed) and published as the worker's
 * {@link WorkerEvent}s. Time moves only when the test says so ({@link #advance(Duration)}), so a retry
 * an hour away is one call away, not an hour.
 * <pre>{@code
 * List<TaskRun> runs = tasks.runPending("welcome-email");   // the first attempt fails: retried
 * tasks.advance(Duration.ofMinutes(1));
 * runs = tasks.runPending("welcome-email");                 // the retry is due now
 * }</pre>
 * Provided by {@link AutoConfigureTaskTester @AutoConfigureTaskTester}. Attempt timeouts are not
 * enforced: the handler runs in the test thread until it returns. Not for tests that run inside a
 * transaction on the backend's {@code DataSource}: tasks pushed in a transaction that has not committed
 * are not visible to the claims of the tester, as to those of a worker.
 */
public final class TaskTester {

    /** How many attempts one call runs at most, so that a task retried without delay cannot loop forever. */
    static final int MAX_ATTEMPTS_PER_CALL = 10_000;

    private static final Duration MIN_TIME_STEP = Duration.ofMillis(1);

    private static final int MAX_ERROR_LENGTH = 4000;

    private final Backend backend;

    private final PayloadCodec codec;

    private final Workers workers;

    private final List<TaskInterceptor> interceptors;

    private final ApplicationEventPublisher events;

    private final PushRecorder recorder;

    private final BackendTime time;

    TaskTester(Backend backend, PayloadCodec codec, Workers workers, List<TaskInterceptor> interceptors,
            ApplicationEventPublisher events, PushRecorder recorder, BackendTime time) {
        this.backend = backend;
        this.codec = codec;
        this.workers = workers;
        this.interceptors = List.copyOf(interceptors);
        this.events = events;
        this.recorder = recorder;
        this.time = time;
    }

    // ---------------------------------------------------------------- pushed tasks

    /**
     * The tasks pushed through the {@code TaskClient} since the context started or {@link #reset()},
     * in push order, as stored now. Pushes that were rolled back are left out: they do not exist.
     * @return the pushed tasks
     */
    public List<PushedTask> pushed() {
        List<PushedTask> pushed = new ArrayList<>();
        for (PushRecorder.Recorded push : this.recorder.pushes()) {
            this.backend.find(push.id()).ifPresent((task) -> pushed.add(new PushedTask(push.options(), task, this.codec)));
        }
        return pushed;
    }

    /**
     * The tasks pushed to one queue, as {@link #pushed()} shows them.
     * @param queue the queue
     * @return the tasks pushed to it, in push order
     */
    public List<PushedTask> pushed(String queue) {
        Objects.requireNonNull(queue, "queue");
        return pushed().stream().filter((task) -> task.queue().equals(queue)).toList();
    }

    /**
     * Forgets the pushes recorded so far (the tasks stay in the backend).
     */
    public void reset() {
        this.recorder.clear();
    }

    // ---------------------------------------------------------------- running

    /**
     * Runs the queue's due tasks one by one in the calling thread, in claim order (priority, run time,
     * id), until none is due, and records each outcome in the backend. A retry whose run time has come
     * runs too; one in the future waits for {@link #advance(Duration)}. Stops early, like the worker,
     * when a handler pauses or stops its worker.
     * @param queue the queue; one of the application's workers must consume it
     * @return the attempts, in the order they ran
     * @throws IllegalStateException if no worker or several consume the queue, or its worker runs
     */
    public List<TaskRun> runPending(String queue) {
        WorkerDefinition definition = workerFor(queue);
        TaskFunction<Object> handler = handlerOf(definition);
        TesterTaskContext.TesterWorker worker = new TesterTaskContext.TesterWorker(definition.name(), queue);
        String workerId = "apalis-test-" + definition.name() + "-" + UUID.randomUUID();
        this.backend.register(new WorkerRegistration(workerId, definition.name(), queue));
        List<TaskRun> runs = new ArrayList<>();
        try {
            while (!worker.isPaused() && worker.isRunning()) {
                List<Task> claimed = this.backend.claim(queue, workerId, 1);
                if (claimed.isEmpty()) {
                    break;
                }
                if (runs.size() == MAX_ATTEMPTS_PER_CALL) {
                    this.backend.release(workerId, List.of(claimed.get(0).id()));
                    throw new IllegalStateException("Ran " + MAX_ATTEMPTS_PER_CALL + " attempts of queue '" + queue
                            + "' in one call and tasks are still due: a handler that keeps failing with no retry delay? "
                            + "Give the worker a backoff, or fewer attempts");
                }
                runs.add(attempt(workerId, definition, handler, worker, claimed.get(0)));
            }
        }
        finally {
            this.backend.deregister(workerId);
        }
        return runs;
    }

    /**
     * Runs the queue until no task of it waits: its due tasks, then, while a task waits for a later run
     * time (a retry, a delayed push), moves time to that run time and runs again. Every retry of a task
     * that keeps failing runs, until it is killed.
     * @param queue the queue; one of the application's workers must consume it
     * @return the attempts, in the order they ran
     */
    public List<TaskRun> runAll(String queue) {
        List<TaskRun> runs = new ArrayList<>(runPending(queue));
        Optional<Duration> next = this.backend.nextRunIn(queue);
        for (int moves = 1; next.isPresent(); moves++) {
            if (runs.size() >= MAX_ATTEMPTS_PER_CALL || moves > MAX_ATTEMPTS_PER_CALL) {
                throw new IllegalStateException("Queue '" + queue + "' still has waiting tasks after " + runs.size()
                        + " attempts and " + moves + " moves of time; does a handler keep pushing to its own queue?");
            }
            // At least a millisecond, so that a backend clock a little behind this JVM's cannot stall the loop.
            Duration wait = next.get();
            advance((wait.compareTo(MIN_TIME_STEP) < 0) ? MIN_TIME_STEP : wait);
            runs.addAll(runPending(queue));
            next = this.backend.nextRunIn(queue);
        }
        return runs;
    }

    /**
     * Moves time forward: tasks that wait become due as if that much time had passed. On the memory
     * backend the {@link TestClock} moves; on PostgreSQL (whose clock is the database's) the run times
     * of the waiting tasks move back by as much.
     * @param duration zero or more
     */
    public void advance(Duration duration) {
        this.time.advance(Objects.requireNonNull(duration, "duration"));
    }

    /**
     * The backend's time, as the tester computes retry times from it.
     * @return now
     */
    public Instant now() {
        return this.time.now();
    }

    private WorkerDefinition workerFor(String queue) {
        Objects.requireNonNull(queue, "queue");
        List<WorkerDefinition> consumers = this.workers.definitions()
            .stream()
            .filter((definition) -> definition.queue().equals(queue))
            .toList();
        if (consumers.isEmpty()) {
            throw new IllegalStateException("No worker consumes queue '" + queue + "'; the workers' queues are "
                    + this.workers.definitions().stream().map(WorkerDefinition::queue).distinct().sorted().toList());
        }
        if (consumers.size() > 1) {
            throw new IllegalStateException("Workers " + consumers.stream().map(WorkerDefinition::name).toList()
                    + " all consume queue '" + queue + "'; the tester cannot tell which handler should run its tasks");
        }
        WorkerDefinition definition = consumers.get(0);
        if (this.workers.find(definition.name()).filter((context) -> context.isRunning()).isPresent()) {
            throw new IllegalStateException("Worker '" + definition.name() + "' runs, and would claim the tasks of queue '"
                    + queue + "' too; run tasks with the tester only with @AutoConfigureTaskTester(workers = false)");
        }
        return definition;
    }

    private TaskFunction<Object> handlerOf(WorkerDefinition definition) {
        if (this.workers instanceof WorkerLifecycle lifecycle) {
            return lifecycle.handler(definition.name());
        }
        throw new IllegalStateException("The Workers bean is a " + this.workers.getClass().getName() + ", not Apalis's "
                + "WorkerLifecycle: the tester runs handlers through the WorkerLifecycle only");
    }

    private TaskRun attempt(String workerId, WorkerDefinition definition, TaskFunction<Object> handler,
            TesterTaskContext.TesterWorker worker, Task task) {
        int maxAttempts = (task.maxAttempts() > 0) ? task.maxAttempts() : definition.retryPolicy().maxAttempts();
        TesterTaskContext context = new TesterTaskContext(task, maxAttempts, worker);
        String name = definition.name();
        publish(new WorkerEvent.TaskStarted(name, Instant.now(), task.id(), task.queue(), task.attempts()));
        long start = System.nanoTime();
        Throwable failure = null;
        try {
            invoke(context, task, definition.payloadType(), handler, 0);
        }
        catch (Throwable ex) {
            failure = ex;
        }
        Duration duration = Duration.ofNanos(System.nanoTime() - start);
        Instant at = Instant.now();
        TaskRun run;
        Completion completion;
        List<WorkerEvent> events = new ArrayList<>();
        if (failure == null) {
            run = new TaskRun(task.id(), task.queue(), name, task.attempts(), TaskRun.Outcome.SUCCEEDED, null, null);
            completion = Completion.done(task.id());
            events.add(new WorkerEvent.TaskSucceeded(name, at, task.id(), task.queue(), task.attempts(), duration));
        }
        else if (failure instanceof AbortTaskException || failure instanceof PayloadException
                || task.attempts() >= maxAttempts) {
            String reason = (failure instanceof AbortTaskException || failure instanceof PayloadException)
                    ? describe(failure) : "Gave up after " + task.attempts() + " attempt"
                            + ((task.attempts() == 1) ? "" : "s") + "; last error: " + describe(failure);
            run = new TaskRun(task.id(), task.queue(), name, task.attempts(), TaskRun.Outcome.KILLED, failure, null);
            completion = Completion.kill(task.id(), reason);
            events.add(new WorkerEvent.TaskFailed(name, at, task.id(), task.queue(), task.attempts(), duration, failure,
                    null));
            events.add(new WorkerEvent.TaskKilled(name, at, task.id(), task.queue(), task.attempts(), reason));
        }
        else {
            Duration delay = (failure instanceof RetryTaskException retry) ? retry.retryAfter()
                    : definition.retryPolicy().delayAfter(task.attempts());
            Instant retryAt = this.time.now().plus(delay);
            run = new TaskRun(task.id(), task.queue(), name, task.attempts(), TaskRun.Outcome.RETRIED, failure, retryAt);
            completion = Completion.retry(task.id(), delay, describe(failure));
            events.add(new WorkerEvent.TaskFailed(name, at, task.id(), task.queue(), task.attempts(), duration, failure,
                    retryAt));
        }
        this.backend.complete(workerId, List.of(completion));
        events.forEach(this::publish);
        return run;
    }

    private void invoke(TaskContext context, Task task, Type payloadType, TaskFunction<Object> handler, int index)
            throws Exception {
        if (index < this.interceptors.size()) {
            this.interceptors.get(index).intercept(context, () -> invoke(context, task, payloadType, handler, index + 1));
            return;
        }
        Object payload = this.codec.decode(task.payload(), payloadType);
        handler.handle(payload, context);
    }

    private void publish(WorkerEvent event) {
        this.events.publishEvent(event);
    }

    private static String describe(@Nullable Throwable failure) {
        if (failure == null) {
            return "";
        }
        StringWriter text = new StringWriter();
        failure.printStackTrace(new PrintWriter(text));
        String full = text.toString();
        return (full.length() <= MAX_ERROR_LENGTH) ? full : full.substring(0, MAX_ERROR_LENGTH) + "\n\t...";
    }

    @Override
    public String toString() {
        return "TaskTester[" + this.backend.getClass().getSimpleName() + "]";
    }
}
