package dev.apalis.worker;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
 * A started worker. Three threads of its own: the fetcher claims tasks for free slots and waits for
 * wake-ups, the completer reports outcomes to the backend in batches, the scheduler sends heart-beats
 * and enforces timeouts. Handlers run on a separate pool, at most {@code concurrency} at once; prefetched
 * tasks wait in memory until a handler slot frees.
 */
final class WorkerRuntime implements WorkerContext {

    private static final Log logger = LogFactory.getLog(WorkerRuntime.class);

    private static final int MAX_COMPLETIONS_PER_BATCH = 512;

    private static final Duration MIN_ERROR_BACKOFF = Duration.ofMillis(100);

    private static final Duration MAX_ERROR_BACKOFF = Duration.ofSeconds(10);

    private static final int MAX_ERROR_LENGTH = 4000;

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

    private final AtomicInteger inFlight = new AtomicInteger();

    private final AtomicInteger unreported = new AtomicInteger();

    private final Queue<TaskId> toRelease = new ConcurrentLinkedQueue<>();

    /** Claimed tasks waiting for a handler slot: the prefetched ones. */
    private final Queue<Task> waiting = new ConcurrentLinkedQueue<>();

    /** Free handler slots: at most {@code concurrency} handlers run at once, whatever the prefetch. */
    private final Semaphore slots;

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
        this.slots = new Semaphore(settings.concurrency());
        this.rateLimiter = (settings.rateLimitPermits() > 0)
                ? new RateLimiter(settings.rateLimitPermits(), settings.rateLimitPeriod()) : null;
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
        handlers = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS, new SynchronousQueue<>(),
                settings.handlerThreads());
        ScheduledThreadPoolExecutor scheduled = new ScheduledThreadPoolExecutor(1,
                daemon("apalis-" + name() + "-scheduler"));
        scheduled.setRemoveOnCancelPolicy(true);
        scheduler = scheduled;
        state = State.RUNNING;
        subscription = backend.subscribe(queue(), this::wakeUp);
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
        return inFlight.get();
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
                    awaitWake(settings.pollInterval().toNanos());
                    continue;
                }
                int free = settings.concurrency() + settings.prefetch() - inFlight.get();
                if (free <= 0) {
                    awaitWake(settings.pollInterval().toNanos());
                    continue;
                }
                int wanted = free;
                if (rateLimiter != null) {
                    wanted = rateLimiter.tryAcquire(free, System.nanoTime());
                    if (wanted == 0) {
                        awaitWake(Math.max(1, rateLimiter.nanosUntilNextPermit(System.nanoTime())));
                        continue;
                    }
                }
                List<Task> tasks = backend.claim(queue(), workerId, wanted);
                if (rateLimiter != null && tasks.size() < wanted) {
                    rateLimiter.giveBack(wanted - tasks.size(), System.nanoTime());
                }
                errorBackoff = MIN_ERROR_BACKOFF;
                for (Task task : tasks) {
                    dispatch(task);
                }
                if (!tasks.isEmpty()) {
                    idle = false;
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

    /** The queue has no more due tasks: wait for a push, the poll interval, or the next run time. */
    private void waitForWork(boolean nothingClaimed) {
        if (nothingClaimed && inFlight.get() == 0 && unreported.get() == 0 && !idle) {
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

    private void dispatch(Task task) {
        inFlight.incrementAndGet();
        waiting.add(task);
        RuntimeException failure = startWaiting();
        if (failure != null) {
            throw failure;
        }
    }

    /**
     * Hands waiting tasks to handler threads while handler slots are free. Called after a task is
     * queued and after a slot is freed, so that no task waits while a slot is free.
     * @return the first failure to hand a task over (its task goes back to the queue), or {@code null}
     */
    private RuntimeException startWaiting() {
        RuntimeException failure = null;
        while (!waiting.isEmpty() && slots.tryAcquire()) {
            Task task = waiting.poll();
            if (task == null) {
                slots.release();
                continue;
            }
            int maxAttempts = (task.maxAttempts() > 0) ? task.maxAttempts() : settings.retryPolicy().maxAttempts();
            try {
                handlers.execute(() -> execute(task, maxAttempts));
            }
            catch (RuntimeException ex) {
                slots.release();
                inFlight.decrementAndGet();
                toRelease.add(task.id());
                failure = (failure != null) ? failure : ex;
            }
        }
        return failure;
    }

    // ---------------------------------------------------------------- running a task

    private void execute(Task task, int maxAttempts) {
        if (state != State.RUNNING) {
            toRelease.add(task.id());
            slotFreed();
            return;
        }
        TaskExecution execution = new TaskExecution(task, this, maxAttempts);
        execution.attach(Thread.currentThread());
        running.add(execution);
        emit(new WorkerEvent.TaskStarted(name(), Instant.now(), task.id(), task.queue(), task.attempts()));
        Duration timeout = settings.timeout();
        if (timeout != null) {
            execution.timeoutFuture = scheduler.schedule(() -> timeOut(execution, timeout), timeout.toNanos(),
                    TimeUnit.NANOSECONDS);
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
        if (execution.settle()) {
            finish(execution, failure);
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

    private void timeOut(TaskExecution execution, Duration timeout) {
        if (execution.settle()) {
            execution.interrupt();
            finish(execution, new TaskTimeoutException(timeout));
        }
    }

    private void finish(TaskExecution execution, Throwable failure) {
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
        slotFreed();
    }

    private void slotFreed() {
        inFlight.decrementAndGet();
        slots.release();
        RuntimeException failure = startWaiting();
        if (failure != null) {
            logger.debug("Worker '" + name() + "' could not start a prefetched task; it goes back to the queue", failure);
        }
        wakeUp();
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
                        if (state == State.STOPPED) {
                            return;
                        }
                        continue;
                    }
                    batch.add(first);
                    reports.drainTo(batch, MAX_COMPLETIONS_PER_BATCH - 1);
                }
                List<Completion> completions = new ArrayList<>(batch.size());
                for (Report report : batch) {
                    completions.add(report.completion());
                }
                backend.complete(workerId, completions);
                errorBackoff = MIN_ERROR_BACKOFF;
                for (Report report : batch) {
                    for (WorkerEvent event : report.events()) {
                        emit(event);
                    }
                }
                if (unreported.addAndGet(-batch.size()) == 0 && inFlight.get() == 0 && !idle) {
                    wakeUp();
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
        Task unstarted;
        while ((unstarted = waiting.poll()) != null) {
            toRelease.add(unstarted.id());
            inFlight.decrementAndGet();
        }
        awaitInFlight(deadline);
        if (inFlight.get() > 0) {
            logger.warn("Worker '" + name() + "' still had " + inFlight.get() + " tasks running after its shutdown timeout of "
                    + settings.shutdownTimeout() + "; interrupting them and putting them back in the queue");
            for (TaskExecution execution : running) {
                if (execution.settle()) {
                    execution.interrupt();
                    Task task = execution.task;
                    String reason = "Interrupted: worker '" + name() + "' stopped before the task finished (shutdown timeout "
                            + settings.shutdownTimeout() + ")";
                    Instant now = Instant.now();
                    report(Completion.retry(task.id(), now, reason), new WorkerEvent.TaskFailed(name(), now, task.id(),
                            task.queue(), task.attempts(), Duration.ofNanos(System.nanoTime() - execution.startNanos),
                            new InterruptedException(reason), now));
                    running.remove(execution);
                    slotFreed();
                }
            }
        }
        handlers.shutdown();
        releaseUnstarted();
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

    private void awaitInFlight(long deadlineNanos) {
        lock.lock();
        try {
            while (inFlight.get() > 0) {
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

    private void releaseUnstarted() {
        List<TaskId> ids = new ArrayList<>();
        TaskId id;
        while ((id = toRelease.poll()) != null) {
            ids.add(id);
        }
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
