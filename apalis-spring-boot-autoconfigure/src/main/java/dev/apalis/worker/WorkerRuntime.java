package dev.apalis.worker;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import dev.apalis.backend.Backend;
import dev.apalis.backend.ClaimRequest;
import dev.apalis.backend.Completion;
import dev.apalis.backend.WorkerRegistration;
import dev.apalis.task.AbortTaskException;
import dev.apalis.task.PayloadException;
import dev.apalis.task.RetryTaskException;
import dev.apalis.task.Task;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskTimeoutException;

/**
 * A started worker. Three threads of its own: the fetcher claims tasks for free slots and, see
 * {@link ClaimAhead}, ahead of them, and waits for wake-ups; the completer reports outcomes (and the
 * starts of tasks claimed ahead) to the backend in batches; the scheduler sends heart-beats and
 * enforces timeouts. Handlers run on a pool of at most {@code concurrency} threads; a handler thread
 * that frees its slot runs the next waiting task itself.
 * <p>
 * Claimed tasks wait in {@code waiting} until a slot is free (and, with a rate limit, a permit):
 * at most {@code concurrency} run at once, however many are prefetched. A slot is freed only when the
 * handler's thread is done with the attempt: a timeout interrupts the handler, and one that ignores
 * the interrupt keeps its slot (and its task RUNNING here) until it ends. A task counts as claimed
 * until its outcome is written, so the worker never holds more than concurrency + prefetch. Tasks
 * start only while the worker runs, is not paused and could heart-beat within the backend's orphan
 * threshold; waiting tasks are released on pause, at once on stop, and when heart-beats work again
 * after failing for that long.
 */
final class WorkerRuntime implements WorkerContext {

    private static final Log logger = LogFactory.getLog(WorkerRuntime.class);

    private static final int MAX_COMPLETIONS_PER_BATCH = 512;

    private static final Duration MIN_ERROR_BACKOFF = Duration.ofMillis(100);

    private static final Duration MAX_ERROR_BACKOFF = Duration.ofSeconds(10);

    private static final int MAX_ERROR_LENGTH = 4000;

    /** How long a stop waits, after interrupting what ran past its shutdown timeout, for attempts settling on their own. */
    static final long SETTLE_WAIT_MILLIS = 1000;

    static final Duration SETTLE_WAIT = Duration.ofMillis(SETTLE_WAIT_MILLIS);

    /** How long a stop waits, at most past its shutdown timeout and settle wait, for the last outcomes to be written. */
    static final long COMPLETER_JOIN_MILLIS = 2000;

    /**
     * How long after its start a task claimed ahead has its start written, if its outcome was not
     * written by then (which charges the attempt at no extra cost). Zero: in the completer's next
     * write, which keeps the window of a start lost to a crash to one write round; a drain measured
     * about one start statement per seven outcome statements, most starts being charged by outcomes
     * of the same batch.
     */
    static final Duration START_REPORT_DELAY = Duration.ZERO;

    /** How long a handler may go on after its timeout's interrupt before it is reported stuck. */
    static final Duration STUCK_AFTER = Duration.ofSeconds(1);

    /** A claimed task and whether its claim charged its attempt. */
    /** A claimed task waiting for a slot; {@code order} keeps claim order among tasks of one priority. */
    private record Claimed(Task task, boolean charged, long order) {
    }

    /** Waiting tasks start by priority first, so a task pushed urgent does not queue behind tasks claimed ahead. */
    private static final Comparator<Claimed> START_ORDER = Comparator.comparingInt((Claimed c) -> c.task().priority())
        .thenComparingLong(Claimed::order);

    private enum State {
        NEW, RUNNING, STOPPING, STOPPED
    }

    private final WorkerSettings settings;

    private final Backend backend;

    private final String workerId;

    private final List<WorkerEventListener> listeners;

    private final RateLimiter rateLimiter;

    private final ReentrantLock lock = new ReentrantLock();

    private final Condition wake = lock.newCondition();

    private boolean wakeRequested;

    private volatile State state = State.NEW;

    private volatile boolean paused;

    /**
     * Tasks claimed and not yet released or recorded: waiting, running, or finished with their outcome
     * not yet written. Counting the last kind holds claims back while outcomes queue up.
     */
    private final AtomicInteger claimed = new AtomicInteger();

    /** Handler slots taken, at most the concurrency. */
    private final AtomicInteger active = new AtomicInteger();

    /** Attempts finished since the start; the adaptive prefetch compares it before and after a claim. */
    private final AtomicLong finished = new AtomicLong();

    /** How many tasks to claim ahead of free slots; the fetcher's own. */
    private final ClaimAhead claimAhead;

    /** The fetcher claims again once no more than this many claimed tasks wait; handlers wake it then. */
    private volatile int refillAt;

    private final AtomicInteger unreported = new AtomicInteger();

    /** Claimed tasks that wait for a slot; guarded by {@code this}. */
    private final Queue<Claimed> waiting = new PriorityQueue<>(START_ORDER);

    /** Claims handed to {@code waiting} so far; guarded by {@code this}. */
    private long claimOrder;

    /** The ids of the tasks claimed and not yet completed or released, named at each heart-beat. */
    private final Set<TaskId> held = ConcurrentHashMap.newKeySet();

    /** The orphan threshold of the backend, if it has one. */
    private final long orphanThresholdNanos;

    /** When the last heart-beat that reached the backend was sent. */
    private volatile long lastHeartbeatNanos;

    /** Whether heart-beats failed for the orphan threshold: claimed tasks do not start until one works again. */
    private volatile boolean fenced;

    /** Whether the last heart-beat failed. */
    private volatile boolean heartbeatFailing;

    /** The size of {@code waiting}, written under {@code this}, read without it. */
    private volatile int waitingSize;

    private final Queue<TaskExecution> running = new ConcurrentLinkedQueue<>();

    private final LinkedBlockingQueue<Report> reports = new LinkedBlockingQueue<>();

    private final CountDownLatch terminated = new CountDownLatch(1);

    private ExecutorService handlers;

    private ScheduledExecutorService scheduler;

    private Thread fetcher;

    private Thread completer;

    private Backend.Subscription subscription;

    private volatile boolean idle;

    /**
     * When (on {@link System#nanoTime()}) the earliest run time that a look-up reported comes, if
     * {@code dueKnown}: a claim sent then finds that task due. The fetcher's own.
     */
    private long dueAtNanos;

    /** Whether {@code dueAtNanos} holds a run time that no claim sent since has covered. */
    private boolean dueKnown;

    WorkerRuntime(WorkerSettings settings) {
        this.settings = settings;
        this.backend = settings.backend();
        this.workerId = settings.name() + "-" + ProcessHandle.current().pid() + "-"
                + Long.toString(ThreadLocalRandom.current().nextLong(Long.MAX_VALUE), 36);
        this.listeners = new CopyOnWriteArrayList<>(settings.listeners());
        this.rateLimiter = (settings.rateLimitPermits() > 0)
                ? new RateLimiter(settings.rateLimitPermits(), settings.rateLimitPeriod()) : null;
        this.claimAhead = (settings.prefetch() != null) ? ClaimAhead.fixed(settings.prefetch()) : ClaimAhead.adaptive();
        this.orphanThresholdNanos = backend.orphanThreshold().map(Duration::toNanos).orElse(0L);
    }

    void addListener(WorkerEventListener listener) {
        listeners.add(listener);
    }

    String workerId() {
        return workerId;
    }

    synchronized void start() {
        if (state != State.NEW) {
            throw new IllegalStateException("Worker '" + name() + "' was already started; build a new worker to run it again");
        }
        backend.register(new WorkerRegistration(workerId, name(), queue()));
        try {
            subscription = backend.subscribe(queue(), this::wakeUp);
        }
        catch (RuntimeException ex) {
            deregisterQuietly();
            throw ex;
        }
        // At most concurrency threads: a slot is taken before a task is handed over and freed only when its
        // thread is done with it, so a handed-over task never waits long for a thread.
        ThreadPoolExecutor pool = new ThreadPoolExecutor(settings.concurrency(), settings.concurrency(), 60,
                TimeUnit.SECONDS, new LinkedBlockingQueue<>(), settings.handlerThreads());
        pool.allowCoreThreadTimeOut(true);
        handlers = pool;
        lastHeartbeatNanos = System.nanoTime();
        ScheduledThreadPoolExecutor scheduled = new ScheduledThreadPoolExecutor(1,
                daemon("apalis-" + name() + "-scheduler"));
        scheduled.setRemoveOnCancelPolicy(true);
        scheduler = scheduled;
        state = State.RUNNING;
        long heartbeat = settings.heartbeatInterval().toMillis();
        scheduler.scheduleWithFixedDelay(this::heartbeat, heartbeat, heartbeat, TimeUnit.MILLISECONDS);
        emit(new WorkerEvent.Start(name(), now()));
        completer = daemon("apalis-" + name() + "-completer").newThread(this::completeLoop);
        fetcher = daemon("apalis-" + name() + "-fetcher").newThread(this::fetchLoop);
        completer.start();
        fetcher.start();
    }

    // ---------------------------------------------------------------- WorkerContext

    @Override
    public String name() {
        return settings.name();
    }

    @Override
    public String queue() {
        return settings.queue();
    }

    @Override
    public void pause() {
        boolean changed;
        synchronized (this) {
            changed = state == State.RUNNING && !paused;
            paused = paused || changed;
        }
        if (changed) {
            emit(new WorkerEvent.Paused(name(), now()));
            wakeUp();
        }
    }

    @Override
    public void resume() {
        boolean changed;
        synchronized (this) {
            changed = state == State.RUNNING && paused;
            paused = paused && !changed;
        }
        if (changed) {
            emit(new WorkerEvent.Resumed(name(), now()));
            wakeUp();
        }
    }

    @Override
    public void stop() {
        synchronized (this) {
            if (state == State.NEW) {
                state = State.STOPPED;
                terminated.countDown();
                return;
            }
            if (state != State.RUNNING) {
                return;
            }
            state = State.STOPPING;
        }
        wakeUp();
    }

    @Override
    public boolean isRunning() {
        State current = state;
        return current == State.RUNNING || current == State.STOPPING;
    }

    @Override
    public boolean isPaused() {
        return paused;
    }

    @Override
    public int inFlight() {
        return active.get();
    }

    @Override
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        return terminated.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    private Instant now() {
        return settings.clock().instant();
    }

    <T> T data(Class<T> type) {
        Object value = settings.data().get(type);
        if (value == null) {
            for (Object candidate : settings.data().values()) {
                if (type.isInstance(candidate)) {
                    return type.cast(candidate);
                }
            }
            throw new IllegalStateException("Worker '" + name() + "' has no data of type " + type.getName()
                    + "; register it with WorkerBuilder.data(..)");
        }
        return type.cast(value);
    }

    @Override
    public String toString() {
        return "Worker[" + name() + " on queue " + queue() + ", " + state + (paused ? ", paused" : "") + "]";
    }

    // ---------------------------------------------------------------- fetching

    private void fetchLoop() {
        Duration errorBackoff = MIN_ERROR_BACKOFF;
        while (state == State.RUNNING) {
            try {
                if (paused) {
                    releaseWaiting();
                    awaitWake(settings.pollInterval().toNanos());
                    continue;
                }
                if (fenced || heartbeatStale(System.nanoTime())) {
                    // Heart-beats failed for the orphan threshold: claim nothing until one works again.
                    awaitWake(settings.pollInterval().toNanos());
                    continue;
                }
                startWaiting();
                int ahead = claimAhead.tasks();
                refillAt = ahead / 2;
                int wanted = settings.concurrency() + ahead - claimed.get();
                if (rateLimiter != null) {
                    // Claim no more than the permits free now can start: claimed tasks must not wait for permits.
                    wanted = Math.min(wanted, rateLimiter.available(System.nanoTime()) - waitingSize);
                }
                if (wanted <= 0 || waitingSize > refillAt) {
                    // Full, or enough tasks wait for slots: claim later, in one larger batch.
                    awaitWake(nanosUntilSlotOrPermit());
                    continue;
                }
                int waitingAtSend = waitingSize;
                long finishedAtSend = finished.get();
                // The tasks that take the slots free now are charged by the claim; the rest when they start.
                int startingNow = Math.max(0, Math.min(wanted, settings.concurrency() - active.get() - waitingAtSend));
                long sentAt = System.nanoTime();
                List<Task> tasks = backend.claim(new ClaimRequest(queue(), workerId, wanted, startingNow,
                        settings.retryPolicy().maxAttempts()));
                if (dueKnown && sentAt - dueAtNanos >= 0) {
                    // This claim was sent at or after the known run time: it saw that task if it was still there.
                    dueKnown = false;
                }
                claimAhead.claimed(waitingAtSend, finished.get() - finishedAtSend, tasks.size() == wanted);
                errorBackoff = MIN_ERROR_BACKOFF;
                if (!tasks.isEmpty()) {
                    idle = false;
                    claimed.addAndGet(tasks.size());
                    int index = 0;
                    for (Task task : tasks) {
                        held.add(task.id());
                    }
                    synchronized (this) {
                        for (Task task : tasks) {
                            waiting.add(new Claimed(task, index++ < startingNow, claimOrder++));
                        }
                        waitingSize = waiting.size();
                    }
                    startWaiting();
                }
                if (tasks.size() < wanted) {
                    waitForWork(tasks.isEmpty());
                }
            }
            catch (Throwable ex) {
                if (state != State.RUNNING) {
                    break;
                }
                emit(new WorkerEvent.Error(name(), now(), ex));
                awaitWake(errorBackoff.toNanos());
                errorBackoff = nextErrorBackoff(errorBackoff);
            }
        }
        shutDown();
    }

    /**
     * Nothing to claim now: a freed slot wakes the fetcher, and with a rate limit that has no free
     * permit, so does the next permit (a waiting task may lack only that).
     */
    private long nanosUntilSlotOrPermit() {
        long wait = settings.pollInterval().toNanos();
        if (rateLimiter != null) {
            long now = System.nanoTime();
            if (rateLimiter.available(now) == 0) {
                wait = Math.min(wait, Math.max(1, rateLimiter.nanosUntilNextPermit(now)));
            }
        }
        return wait;
    }

    /** The queue has no more due tasks: wait for a push, the poll interval, or the next run time. */
    private void waitForWork(boolean nothingClaimed) {
        if (nothingClaimed && claimed.get() == 0 && unreported.get() == 0 && !idle) {
            idle = true;
            emit(new WorkerEvent.Idle(name(), now()));
        }
        long waitNanos = settings.pollInterval().toNanos();
        Optional<Duration> next = backend.nextRunIn(queue());
        long answeredAt = System.nanoTime();
        if (next.isPresent()) {
            // The backend measured from its "now", before its answer arrived: a claim sent this long after
            // the answer arrives at or after the run time as the backend sees it, never before it (a claim
            // that came early would find nothing, and the next look-up no longer sees a future task).
            long dueAt = answeredAt + next.get().toNanos();
            if (!dueKnown || dueAt - dueAtNanos < 0) {
                dueAtNanos = dueAt;
                dueKnown = true;
            }
        }
        if (dueKnown) {
            // An earlier look-up's run time holds until a claim sent after it: a look-up that reached the
            // backend after that time no longer reports the task, now due, that the last claim missed.
            waitNanos = Math.max(0, Math.min(waitNanos, dueAtNanos - answeredAt));
        }
        if (waitNanos > 0) {
            awaitWake(waitNanos);
        }
    }

    /**
     * Hands waiting tasks to handler threads while slots (and rate-limit permits) are free, the worker
     * runs and is not paused. Cheap when nothing waits: it does not take the lock then.
     */
    private void startWaiting() {
        if (waitingSize == 0) {
            return;
        }
        for (TaskExecution execution : takeStartable(Integer.MAX_VALUE)) {
            try {
                handlers.execute(() -> execute(execution));
            }
            catch (RuntimeException ex) {
                if (execution.settle()) {
                    running.remove(execution);
                    active.decrementAndGet();
                    claimed.decrementAndGet();
                    releaseIds(List.of(execution.task.id()));
                    wakeUp();
                }
                emit(new WorkerEvent.Error(name(), now(), ex));
            }
        }
    }

    /**
     * Takes up to {@code max} waiting tasks that may start now, each with its slot (and permit). An
     * attempt is in {@code running} from here on, so that a stop sees it.
     */
    private List<TaskExecution> takeStartable(int max) {
        List<TaskExecution> starting = new ArrayList<>();
        synchronized (this) {
            while (starting.size() < max && state == State.RUNNING && !paused && !fenced && !waiting.isEmpty()
                    && !heartbeatStale(System.nanoTime())
                    && active.get() < settings.concurrency()
                    && (rateLimiter == null || rateLimiter.tryAcquire(1, System.nanoTime()) == 1)) {
                Claimed claim = waiting.poll();
                Task task = claim.task();
                int maxAttempts = (task.maxAttempts() > 0) ? task.maxAttempts() : settings.retryPolicy().maxAttempts();
                TaskExecution execution = new TaskExecution(task, claim.charged(), this, maxAttempts);
                running.add(execution);
                active.incrementAndGet();
                starting.add(execution);
            }
            waitingSize = waiting.size();
        }
        return starting;
    }

    /** Puts the claimed tasks that did not start back in the queue (on pause and on stop). */
    private void releaseWaiting() {
        List<TaskId> ids = new ArrayList<>();
        synchronized (this) {
            Claimed claim;
            while ((claim = waiting.poll()) != null) {
                ids.add(claim.task().id());
            }
            waitingSize = 0;
        }
        if (!ids.isEmpty()) {
            claimed.addAndGet(-ids.size());
            releaseIds(ids);
        }
    }

    // ---------------------------------------------------------------- running a task

    /**
     * Runs an attempt on a handler thread, then, while tasks wait for the slot it freed, the next ones
     * on the same thread: no hand-off between threads per task.
     */
    private void execute(TaskExecution first) {
        TaskExecution execution = first;
        while (execution != null && attempt(execution)) {
            List<TaskExecution> next = (waitingSize == 0) ? List.of() : takeStartable(1);
            execution = next.isEmpty() ? null : next.get(0);
            startWaiting();
            wakeFetcherIfRefill();
        }
    }

    /**
     * Runs one attempt.
     * @return whether this thread settled it (its slot is free now), {@code false} if a timeout or a stop did
     */
    private boolean attempt(TaskExecution execution) {
        if (!execution.attach(Thread.currentThread())) {
            return false;
        }
        Task task = execution.task;
        if (!execution.charged) {
            reports.add(new Report(task.id()));
        }
        emit(new WorkerEvent.TaskStarted(name(), now(), task.id(), task.queue(), task.attempts()));
        Duration timeout = settings.timeout();
        if (timeout != null) {
            try {
                execution.timeoutFuture = scheduler.schedule(() -> timeOut(execution), timeout.toNanos(),
                        TimeUnit.NANOSECONDS);
            }
            catch (RejectedExecutionException ex) {
                // The worker is stopping: its scheduler is shut down; the stop interrupts what runs too long.
            }
        }
        Throwable failure = null;
        try {
            invoke(execution, 0);
        }
        catch (Throwable ex) {
            failure = ex;
        }
        execution.detach();
        Thread.interrupted();
        if (!execution.settle()) {
            return false;
        }
        if (execution.timedOut()) {
            failure = new TaskTimeoutException(timeout);
        }
        if (failure != null && execution.stopped()) {
            recordInterrupted(execution);
        }
        else {
            recordOutcome(execution, failure);
        }
        freeSlot();
        wakeStopper();
        return true;
    }

    /** Lets a stop that waits for attempts to settle see this one. */
    private void wakeStopper() {
        if (state != State.RUNNING) {
            wakeUp();
        }
    }

    private void invoke(TaskExecution execution, int index) throws Exception {
        List<TaskInterceptor> interceptors = settings.interceptors();
        if (index < interceptors.size()) {
            interceptors.get(index).intercept(execution, () -> invoke(execution, index + 1));
            return;
        }
        Object payload = settings.codec().decode(execution.task.payload(), settings.payloadType());
        settings.handler().handle(payload, execution);
    }

    /**
     * The attempt ran past its timeout: interrupt its handler. Its thread records the attempt as timed
     * out when it is done with it; until then the slot stays taken. A handler still running
     * {@link #STUCK_AFTER} later is reported stuck.
     */
    private void timeOut(TaskExecution execution) {
        if (!execution.timeOut()) {
            return;
        }
        try {
            scheduler.schedule(() -> reportIfStuck(execution), STUCK_AFTER.toNanos(), TimeUnit.NANOSECONDS);
        }
        catch (RejectedExecutionException ex) {
            // The worker stopped meanwhile; its stop reports what still runs.
        }
    }

    private void reportIfStuck(TaskExecution execution) {
        if (!execution.isRunning()) {
            return;
        }
        Task task = execution.task;
        Duration runningFor = Duration.ofNanos(System.nanoTime() - execution.startNanos);
        logger.warn("Worker '" + name() + "': the handler of task " + task.id() + " (attempt " + task.attempts()
                + ") has run for " + runningFor + ", past its timeout of " + settings.timeout() + ", and ignored the "
                + "interrupt. It keeps its slot, and the task stays running on this worker, until the handler returns; "
                + "make it react to interrupts (or check Thread.interrupted()) so that timeouts can stop it");
        emit(new WorkerEvent.TaskStuck(name(), now(), task.id(), task.queue(), task.attempts(), runningFor));
    }

    /** A stop interrupted the attempt: its task goes back to the queue without losing an attempt. */
    private void recordInterrupted(TaskExecution execution) {
        running.remove(execution);
        Task task = execution.task;
        String reason = "Interrupted: worker '" + name() + "' stopped before the task finished (shutdown timeout "
                + settings.shutdownTimeout() + "); the attempt is not counted";
        Instant at = now();
        report(Completion.interrupted(task.id(), reason), new WorkerEvent.TaskFailed(name(), at, task.id(), task.queue(),
                task.attempts(), Duration.ofNanos(System.nanoTime() - execution.startNanos),
                new InterruptedException(reason), at));
    }

    private void recordOutcome(TaskExecution execution, Throwable failure) {
        running.remove(execution);
        Task task = execution.task;
        Instant now = now();
        Duration duration = Duration.ofNanos(System.nanoTime() - execution.startNanos);
        if (failure == null) {
            report(Completion.done(task.id()),
                    new WorkerEvent.TaskSucceeded(name(), now, task.id(), task.queue(), task.attempts(), duration));
        }
        else if (failure instanceof AbortTaskException || failure instanceof PayloadException) {
            String reason = describe(failure);
            report(Completion.kill(task.id(), reason),
                    new WorkerEvent.TaskFailed(name(), now, task.id(), task.queue(), task.attempts(), duration, failure,
                            null),
                    new WorkerEvent.TaskKilled(name(), now, task.id(), task.queue(), task.attempts(), reason));
        }
        else if (task.attempts() >= execution.maxAttempts()) {
            String reason = "Gave up after " + task.attempts() + " attempt" + (task.attempts() == 1 ? "" : "s")
                    + "; last error: " + describe(failure);
            report(Completion.kill(task.id(), reason),
                    new WorkerEvent.TaskFailed(name(), now, task.id(), task.queue(), task.attempts(), duration, failure,
                            null),
                    new WorkerEvent.TaskKilled(name(), now, task.id(), task.queue(), task.attempts(), reason));
        }
        else {
            Duration delay = (failure instanceof RetryTaskException retry) ? retry.retryAfter()
                    : settings.retryPolicy().delayAfter(task.attempts());
            Instant retryAt = now.plus(delay);
            report(Completion.retry(task.id(), delay, describe(failure)), new WorkerEvent.TaskFailed(name(), now,
                    task.id(), task.queue(), task.attempts(), duration, failure, retryAt));
        }
    }

    /** A slot freed off a handler thread: waiting tasks start on other threads. */
    private void slotFreed() {
        freeSlot();
        startWaiting();
        wakeFetcherIfRefill();
    }

    /** The task stays claimed until the completer has written its outcome. */
    private void freeSlot() {
        finished.incrementAndGet();
        active.decrementAndGet();
    }

    /**
     * Wakes the fetcher when it has something to do: claim again (few enough tasks wait), or, on a stop,
     * see the slots free up.
     */
    private void wakeFetcherIfRefill() {
        if (waitingSize <= refillAt || state != State.RUNNING) {
            wakeUp();
        }
    }

    static String describe(Throwable failure) {
        StringWriter text = new StringWriter();
        failure.printStackTrace(new PrintWriter(text));
        String full = text.toString();
        return (full.length() <= MAX_ERROR_LENGTH) ? full : full.substring(0, MAX_ERROR_LENGTH) + "\n\t...";
    }

    // ---------------------------------------------------------------- completing

    /** An outcome with the events it emits once written, or the start of a task claimed ahead. */
    private record Report(Completion completion, WorkerEvent[] events, TaskId started) {

        Report(Completion completion, WorkerEvent[] events) {
            this(completion, events, null);
        }

        Report(TaskId started) {
            this(null, null, started);
        }
    }

    private void report(Completion completion, WorkerEvent... events) {
        unreported.incrementAndGet();
        reports.add(new Report(completion, events));
    }

    /**
     * Writes outcomes in batches, and the starts of tasks claimed ahead once they have run for
     * {@link #START_REPORT_DELAY} without an outcome: a task whose outcome is in the same batch is
     * charged by it, with no statement of its own for the start.
     */
    private void completeLoop() {
        List<Report> batch = new ArrayList<>(MAX_COMPLETIONS_PER_BATCH);
        // starts not yet written, in the order they happened, with when they were reported
        Map<TaskId, Long> pendingStarts = new LinkedHashMap<>();
        Duration errorBackoff = MIN_ERROR_BACKOFF;
        while (true) {
            try {
                if (batch.isEmpty()) {
                    Report first = reports.poll(
                            pendingStarts.isEmpty() ? 100 : Math.max(1, START_REPORT_DELAY.toMillis() / 2),
                            TimeUnit.MILLISECONDS);
                    if (first == null) {
                        writeStarts(pendingStarts, System.nanoTime() - START_REPORT_DELAY.toNanos());
                        if (state == State.STOPPED && reports.isEmpty()) {
                            return;
                        }
                        continue;
                    }
                    batch.add(first);
                    reports.drainTo(batch, MAX_COMPLETIONS_PER_BATCH - 1);
                }
                List<Completion> completions = new ArrayList<>(batch.size());
                boolean retries = false;
                long now = System.nanoTime();
                for (Report report : batch) {
                    if (report.completion() != null) {
                        completions.add(report.completion());
                        // An outcome charges an unrecorded start itself.
                        pendingStarts.remove(report.completion().taskId());
                        retries |= report.completion() instanceof Completion.Retry
                                || report.completion() instanceof Completion.Interrupted;
                    }
                    else {
                        pendingStarts.put(report.started(), now);
                    }
                }
                writeStarts(pendingStarts, now - START_REPORT_DELAY.toNanos());
                if (!completions.isEmpty()) {
                    backend.complete(workerId, completions);
                }
                errorBackoff = MIN_ERROR_BACKOFF;
                for (Report report : batch) {
                    if (report.completion() != null) {
                        held.remove(report.completion().taskId());
                        for (WorkerEvent event : report.events()) {
                            emit(event);
                        }
                    }
                }
                int written = completions.size();
                claimed.addAndGet(-written);
                boolean drained = unreported.addAndGet(-written) == 0 && claimed.get() == 0 && !idle;
                if (drained || retries) {
                    // The fetcher may be idle (and should say so) or sleeping past a retry's run time.
                    wakeUp();
                }
                else {
                    wakeFetcherIfRefill();
                }
                batch.clear();
            }
            catch (InterruptedException ex) {
                warnUnreported(unreported.get());
                return;
            }
            catch (Throwable ex) {
                emit(new WorkerEvent.Error(name(), now(), ex));
                try {
                    Thread.sleep(errorBackoff.toMillis());
                }
                catch (InterruptedException interrupted) {
                    warnUnreported(unreported.get());
                    return;
                }
                errorBackoff = nextErrorBackoff(errorBackoff);
            }
        }
    }

    /** Writes the pending starts reported before {@code reportedBefore}; they stay pending if the write fails. */
    private void writeStarts(Map<TaskId, Long> pendingStarts, long reportedBefore) {
        if (pendingStarts.isEmpty()) {
            return;
        }
        List<TaskId> due = new ArrayList<>();
        for (Map.Entry<TaskId, Long> entry : pendingStarts.entrySet()) {
            if (entry.getValue() - reportedBefore > 0) {
                break;
            }
            due.add(entry.getKey());
        }
        if (!due.isEmpty()) {
            backend.started(workerId, due);
            due.forEach(pendingStarts::remove);
        }
    }

    private void warnUnreported(int count) {
        if (count > 0) {
            logger.warn("Worker '" + name() + "' stopped with " + count + " outcomes not recorded (the backend did not "
                    + "answer); their tasks stay RUNNING and are put back in the queue after the orphan threshold");
        }
    }

    // ---------------------------------------------------------------- stopping

    private void shutDown() {
        long deadline = System.nanoTime() + settings.shutdownTimeout().toNanos();
        releaseWaiting();
        awaitNoneActive(deadline);
        if (active.get() > 0) {
            logger.warn("Worker '" + name() + "' still had " + active.get() + " tasks running after its shutdown timeout of "
                    + settings.shutdownTimeout() + "; interrupting them and putting them back in the queue without "
                    + "counting the attempt");
            List<TaskId> unstarted = new ArrayList<>();
            for (TaskExecution execution : running) {
                if (execution.stopOrInterrupt()) {
                    running.remove(execution);
                    unstarted.add(execution.task.id());
                    claimed.decrementAndGet();
                    freeSlot();
                }
            }
            releaseIds(unstarted);
            // Interrupted attempts report as their handlers return.
            awaitNoneActive(System.nanoTime() + SETTLE_WAIT.toNanos());
            if (active.get() > 0) {
                logger.warn("Worker '" + name() + "' stops with " + active.get() + " handler(s) that ignored the "
                        + "interrupt still running; their tasks stay RUNNING and are put back in the queue after the "
                        + "backend's orphan threshold, once this worker is gone");
            }
        }
        handlers.shutdown();
        state = State.STOPPED;
        try {
            // Within the worst case of WorkerBuilder.worstCaseStopTime: shutdown timeout + settle wait + this join.
            completer.join(Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())) + COMPLETER_JOIN_MILLIS);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        if (completer.isAlive()) {
            completer.interrupt();
        }
        closeQuietly();
        emit(new WorkerEvent.Stop(name(), now()));
        terminated.countDown();
    }

    private void awaitNoneActive(long deadlineNanos) {
        lock.lock();
        try {
            while (active.get() > 0) {
                long remaining = deadlineNanos - System.nanoTime();
                if (remaining <= 0) {
                    return;
                }
                wake.awaitNanos(remaining);
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        finally {
            lock.unlock();
        }
    }

    private void releaseIds(List<TaskId> ids) {
        if (ids.isEmpty()) {
            return;
        }
        try {
            backend.release(workerId, ids);
            ids.forEach(held::remove);
        }
        catch (RuntimeException ex) {
            emit(new WorkerEvent.Error(name(), now(), ex));
            logger.warn("Worker '" + name() + "' could not release " + ids.size()
                    + " claimed tasks; they are rescued after the orphan threshold", ex);
        }
    }

    private void closeQuietly() {
        try {
            subscription.close();
        }
        catch (RuntimeException ex) {
            logger.debug("Could not close the wake-up subscription of worker '" + name() + "'", ex);
        }
        scheduler.shutdownNow();
        deregisterQuietly();
    }

    private void deregisterQuietly() {
        try {
            backend.deregister(workerId);
        }
        catch (RuntimeException ex) {
            logger.debug("Could not deregister worker '" + name() + "'", ex);
        }
    }

    // ---------------------------------------------------------------- heart-beat, wake-ups, events

    /**
     * Sends a heart-beat naming the tasks this worker holds. When heart-beats failed for the backend's
     * orphan threshold, this worker's claims may be rescued and run elsewhere: it stops starting claimed
     * tasks, and releases them once a heart-beat works again.
     */
    private void heartbeat() {
        long sentAt = System.nanoTime();
        try {
            backend.heartbeat(workerId, List.copyOf(held));
            boolean wasStale = fenced || heartbeatStale(sentAt);
            lastHeartbeatNanos = sentAt;
            heartbeatFailing = false;
            if (wasStale) {
                fenced = false;
                logger.info("Worker '" + name() + "' reaches its backend again; releasing the tasks it claimed ahead "
                        + "(they may have been put back in the queue meanwhile)");
                releaseWaiting();
                wakeUp();
            }
        }
        catch (Throwable ex) {
            heartbeatFailing = true;
            if (!fenced && heartbeatStale(System.nanoTime())) {
                fenced = true;
                logger.warn("Worker '" + name() + "' could not heart-beat for its backend's orphan threshold of "
                        + Duration.ofNanos(orphanThresholdNanos) + "; it starts none of its " + waitingSize
                        + " claimed-ahead task(s) until a heart-beat works again, then releases them");
            }
            emit(new WorkerEvent.Error(name(), now(), ex));
        }
    }

    /**
     * Whether heart-beats fail and the last one that reached the backend was sent longer ago than its
     * orphan threshold: the backend may take this worker for dead and rescue its claims, so none may
     * start. (Only after a failure, so that a heart-beat interval longer than the threshold, a
     * misconfiguration, does not stall the worker.)
     */
    private boolean heartbeatStale(long nowNanos) {
        return heartbeatFailing && orphanThresholdNanos > 0 && nowNanos - lastHeartbeatNanos >= orphanThresholdNanos;
    }

    private void wakeUp() {
        lock.lock();
        try {
            wakeRequested = true;
            wake.signalAll();
        }
        finally {
            lock.unlock();
        }
    }

    private void awaitWake(long nanos) {
        lock.lock();
        try {
            long remaining = nanos;
            while (!wakeRequested && remaining > 0 && state == State.RUNNING) {
                remaining = wake.awaitNanos(remaining);
            }
            wakeRequested = false;
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        finally {
            lock.unlock();
        }
    }

    void emit(WorkerEvent event) {
        for (WorkerEventListener listener : listeners) {
            try {
                listener.onEvent(this, event);
            }
            catch (Throwable ex) {
                logger.warn("An event listener of worker '" + name() + "' threw on " + event.getClass().getSimpleName()
                        + "; the worker goes on", ex);
            }
        }
    }

    private static Duration nextErrorBackoff(Duration current) {
        Duration doubled = current.multipliedBy(2);
        return (doubled.compareTo(MAX_ERROR_BACKOFF) > 0) ? MAX_ERROR_BACKOFF : doubled;
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }
}
