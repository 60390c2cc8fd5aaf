package dev.apalis.worker;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
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
 * {@link ClaimAhead}, ahead of them, and waits for wake-ups; the completer reports outcomes to the
 * backend in batches; the scheduler sends heart-beats and enforces timeouts. Handlers run on a
 * separate pool, one thread per task in flight; a handler thread that frees its slot runs the next
 * waiting task itself.
 * <p>
 * Claimed tasks wait in {@code waiting} until a slot is free (and, with a rate limit, a permit):
 * at most {@code concurrency} run at once, however many are prefetched. A task counts as claimed
 * until its outcome is written, so the worker never holds more than concurrency + prefetch. Tasks
 * start only while the worker runs and is not paused; waiting tasks are released on pause and at
 * once on stop.
 */
final class WorkerRuntime implements WorkerContext {

    private static final Log logger = LogFactory.getLog(WorkerRuntime.class);

    private static final int MAX_COMPLETIONS_PER_BATCH = 512;

    private static final Duration MIN_ERROR_BACKOFF = Duration.ofMillis(100);

    private static final Duration MAX_ERROR_BACKOFF = Duration.ofSeconds(10);

    private static final int MAX_ERROR_LENGTH = 4000;

    /** How long a stop waits, after interrupting what ran past its shutdown timeout, for attempts settling on their own. */
    private static final Duration SETTLE_WAIT = Duration.ofSeconds(1);

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
    private final Deque<Task> waiting = new ArrayDeque<>();

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

    WorkerRuntime(WorkerSettings settings) {
        this.settings = settings;
        this.backend = settings.backend();
        this.workerId = settings.name() + "-" + ProcessHandle.current().pid() + "-"
                + Long.toString(ThreadLocalRandom.current().nextLong(Long.MAX_VALUE), 36);
        this.listeners = new CopyOnWriteArrayList<>(settings.listeners());
        this.rateLimiter = (settings.rateLimitPermits() > 0)
                ? new RateLimiter(settings.rateLimitPermits(), settings.rateLimitPeriod()) : null;
        this.claimAhead = (settings.prefetch() != null) ? ClaimAhead.fixed(settings.prefetch()) : ClaimAhead.adaptive();
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
        handlers = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS, new SynchronousQueue<>(),
                settings.handlerThreads());
        ScheduledThreadPoolExecutor scheduled = new ScheduledThreadPoolExecutor(1,
                daemon("apalis-" + name() + "-scheduler"));
        scheduled.setRemoveOnCancelPolicy(true);
        scheduler = scheduled;
        state = State.RUNNING;
        long heartbeat = settings.heartbeatInterval().toMillis();
        scheduler.scheduleWithFixedDelay(this::heartbeat, heartbeat, heartbeat, TimeUnit.MILLISECONDS);
        emit(new WorkerEvent.Start(name(), Instant.now()));
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
            emit(new WorkerEvent.Paused(name(), Instant.now()));
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
            emit(new WorkerEvent.Resumed(name(), Instant.now()));
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
                List<Task> tasks = backend.claim(queue(), workerId, wanted);
                claimAhead.claimed(waitingAtSend, finished.get() - finishedAtSend, tasks.size() == wanted);
                errorBackoff = MIN_ERROR_BACKOFF;
                if (!tasks.isEmpty()) {
                    idle = false;
                    claimed.addAndGet(tasks.size());
                    synchronized (this) {
                        waiting.addAll(tasks);
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
                emit(new WorkerEvent.Error(name(), Instant.now(), ex));
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
            emit(new WorkerEvent.Idle(name(), Instant.now()));
        }
        long waitNanos = settings.pollInterval().toNanos();
        Optional<Instant> next = backend.nextRunAt(queue());
        if (next.isPresent()) {
            long untilNext = Duration.between(Instant.now(), next.get()).toNanos();
            waitNanos = Math.max(0, Math.min(waitNanos, untilNext));
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
                    release(List.of(execution.task.id()));
                    wakeUp();
                }
                emit(new WorkerEvent.Error(name(), Instant.now(), ex));
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
            while (starting.size() < max && state == State.RUNNING && !paused && !waiting.isEmpty()
                    && active.get() < settings.concurrency()
                    && (rateLimiter == null || rateLimiter.tryAcquire(1, System.nanoTime()) == 1)) {
                Task task = waiting.poll();
                int maxAttempts = (task.maxAttempts() > 0) ? task.maxAttempts() : settings.retryPolicy().maxAttempts();
                TaskExecution execution = new TaskExecution(task, this, maxAttempts);
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
            Task task;
            while ((task = waiting.poll()) != null) {
                ids.add(task.id());
            }
            waitingSize = 0;
        }
        if (!ids.isEmpty()) {
            claimed.addAndGet(-ids.size());
            release(ids);
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
        emit(new WorkerEvent.TaskStarted(name(), Instant.now(), task.id(), task.queue(), task.attempts()));
        Duration timeout = settings.timeout();
        if (timeout != null) {
            try {
                execution.timeoutFuture = scheduler.schedule(() -> timeOut(execution, timeout), timeout.toNanos(),
                        TimeUnit.NANOSECONDS);
            }
            catch (RejectedExecutionException ex) {
                // The worker stopped while this attempt started; its stop settled it already.
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
        recordOutcome(execution, failure);
        freeSlot();
        return true;
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

    private void timeOut(TaskExecution execution, Duration timeout) {
        if (execution.settle()) {
            execution.interrupt();
            recordOutcome(execution, new TaskTimeoutException(timeout));
            slotFreed();
        }
    }

    private void recordOutcome(TaskExecution execution, Throwable failure) {
        running.remove(execution);
        Task task = execution.task;
        Instant now = Instant.now();
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
            report(Completion.retry(task.id(), retryAt, describe(failure)), new WorkerEvent.TaskFailed(name(), now,
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

    private record Report(Completion completion, WorkerEvent[] events) {
    }

    private void report(Completion completion, WorkerEvent... events) {
        unreported.incrementAndGet();
        reports.add(new Report(completion, events));
    }

    private void completeLoop() {
        List<Report> batch = new ArrayList<>(MAX_COMPLETIONS_PER_BATCH);
        Duration errorBackoff = MIN_ERROR_BACKOFF;
        while (true) {
            try {
                if (batch.isEmpty()) {
                    Report first = reports.poll(100, TimeUnit.MILLISECONDS);
                    if (first == null) {
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
                for (Report report : batch) {
                    completions.add(report.completion());
                    retries |= report.completion() instanceof Completion.Retry;
                }
                backend.complete(workerId, completions);
                errorBackoff = MIN_ERROR_BACKOFF;
                for (Report report : batch) {
                    for (WorkerEvent event : report.events()) {
                        emit(event);
                    }
                }
                claimed.addAndGet(-batch.size());
                boolean drained = unreported.addAndGet(-batch.size()) == 0 && claimed.get() == 0 && !idle;
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
                warnUnreported(batch.size() + reports.size());
                return;
            }
            catch (Throwable ex) {
                emit(new WorkerEvent.Error(name(), Instant.now(), ex));
                try {
                    Thread.sleep(errorBackoff.toMillis());
                }
                catch (InterruptedException interrupted) {
                    warnUnreported(batch.size() + reports.size());
                    return;
                }
                errorBackoff = nextErrorBackoff(errorBackoff);
            }
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
                    + settings.shutdownTimeout() + "; interrupting them and putting them back in the queue");
            List<TaskId> unstarted = new ArrayList<>();
            for (TaskExecution execution : running) {
                if (execution.settle()) {
                    running.remove(execution);
                    Task task = execution.task;
                    if (execution.interrupt()) {
                        String reason = "Interrupted: worker '" + name() + "' stopped before the task finished (shutdown timeout "
                                + settings.shutdownTimeout() + ")";
                        Instant now = Instant.now();
                        report(Completion.retry(task.id(), now, reason), new WorkerEvent.TaskFailed(name(), now, task.id(),
                                task.queue(), task.attempts(), Duration.ofNanos(System.nanoTime() - execution.startNanos),
                                new InterruptedException(reason), now));
                    }
                    else {
                        unstarted.add(task.id());
                        claimed.decrementAndGet();
                    }
                    slotFreed();
                }
            }
            release(unstarted);
            // Attempts that settled on their own meanwhile (returned, timed out) report in a moment.
            awaitNoneActive(System.nanoTime() + SETTLE_WAIT.toNanos());
        }
        handlers.shutdown();
        state = State.STOPPED;
        try {
            completer.join(Math.max(1000, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()) + 5000));
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        if (completer.isAlive()) {
            completer.interrupt();
        }
        closeQuietly();
        emit(new WorkerEvent.Stop(name(), Instant.now()));
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

    private void release(List<TaskId> ids) {
        if (ids.isEmpty()) {
            return;
        }
        try {
            backend.release(workerId, ids);
        }
        catch (RuntimeException ex) {
            emit(new WorkerEvent.Error(name(), Instant.now(), ex));
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

    private void heartbeat() {
        try {
            backend.heartbeat(workerId);
        }
        catch (Throwable ex) {
            emit(new WorkerEvent.Error(name(), Instant.now(), ex));
        }
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
