package dev.apalis.worker;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import dev.apalis.backend.Backend;
import dev.apalis.backend.WorkerRegistration;

/**
 * A started worker's lifecycle: it registers the worker, subscribes to wake-ups, starts the parts
 * that do the work, pauses and resumes it, and stops it. The parts, one job each:
 * <ul>
 * <li>{@link Fetcher}: the fetcher thread claims tasks for free slots and ahead of them, and waits
 * for wake-ups, the next run time or the poll interval; while full, at a push, {@link UrgentClaim}
 * claims only tasks more urgent than those claimed ahead;</li>
 * <li>{@link Dispatcher}: claimed tasks wait for a slot (and a rate-limit permit) and run on at most
 * {@code concurrency} handler threads;</li>
 * <li>{@link AttemptRunner}: one attempt on a handler thread, and what its outcome is;</li>
 * <li>{@link Timeouts}: interrupts attempts past their timeout and reports stuck handlers;</li>
 * <li>{@link OutcomeWriter}: the completer thread writes outcomes (and starts of tasks claimed
 * ahead) in batches, then emits their events;</li>
 * <li>{@link Heartbeats}: heart-beats naming the held tasks, and the fence they raise when they fail
 * for the backend's orphan threshold;</li>
 * <li>{@link HeldTasks}, {@link WakeSignal}, {@link EventEmitter}: the claimed tasks, the fetcher's
 * wake-ups and the listeners, which the parts share.</li>
 * </ul>
 * A task counts as claimed until its outcome is written, so the worker never holds more than
 * concurrency + prefetch, plus up to concurrency tasks pushed more urgent than all it held. Waiting
 * tasks are released on pause, at once on stop, and when heart-beats work again after failing for the
 * orphan threshold.
 * <p>
 * (A little over 300 lines: the {@link WorkerContext} methods, the wiring of the parts and the stop
 * sequence belong together, and split further they would only pass the state along.)
 */
final class WorkerRuntime implements WorkerContext {

    /** The log of every part of a running worker. */
    static final Log logger = LogFactory.getLog(WorkerRuntime.class);

    /** How long a stop waits, after interrupting what ran past its shutdown timeout, for attempts settling on their own. */
    static final long SETTLE_WAIT_MILLIS = 1000;

    static final Duration SETTLE_WAIT = Duration.ofMillis(SETTLE_WAIT_MILLIS);

    /** How long a stop waits, at most past its shutdown timeout and settle wait, for the last outcomes to be written. */
    static final long COMPLETER_JOIN_MILLIS = 2000;

    private enum State {
        NEW, RUNNING, STOPPING, STOPPED
    }

    private final WorkerSettings settings;

    private final Backend backend;

    private final String workerId;

    private final EventEmitter events;

    private final WakeSignal wake = new WakeSignal();

    private final HeldTasks held;

    private final Heartbeats heartbeats;

    private final Timeouts timeouts;

    private final OutcomeWriter outcomes;

    private final Dispatcher dispatcher;

    private final Fetcher fetcher;

    private final CountDownLatch terminated = new CountDownLatch(1);

    private volatile State state = State.NEW;

    private volatile boolean paused;

    private ScheduledExecutorService scheduler;

    private Backend.Subscription subscription;

    WorkerRuntime(WorkerSettings settings) {
        this.settings = settings;
        this.backend = settings.backend();
        this.workerId = settings.name() + "-" + ProcessHandle.current().pid() + "-"
                + Long.toString(ThreadLocalRandom.current().nextLong(Long.MAX_VALUE), 36);
        RateLimiter rateLimiter = (settings.rateLimitPermits() > 0)
                ? new RateLimiter(settings.rateLimitPermits(), settings.rateLimitPeriod()) : null;
        this.events = new EventEmitter(this, settings.clock(), settings.listeners());
        this.held = new HeldTasks(backend, workerId, settings.name(), events);
        // The parts that call back into parts built after them do so through this runtime's methods.
        this.heartbeats = new Heartbeats(backend, workerId, settings.name(), held, events, this::fenceLifted,
                this::waitingSize);
        this.timeouts = new Timeouts(settings.name(), settings.timeout(), events);
        this.outcomes = new OutcomeWriter(backend, workerId, settings.name(), held, events, wake,
                this::wakeFetcherIfRefill, this::fetcherIdle, this::stopped);
        this.dispatcher = new Dispatcher(this, settings, held, heartbeats, rateLimiter,
                new AttemptRunner(settings, events, outcomes, timeouts), wake);
        this.fetcher = new Fetcher(this, settings, workerId, held, dispatcher, outcomes, heartbeats, rateLimiter, wake);
    }

    void addListener(WorkerEventListener listener) {
        events.add(listener);
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
            subscription = backend.subscribe(queue(), fetcher::pushed);
        }
        catch (RuntimeException ex) {
            deregisterQuietly();
            throw ex;
        }
        dispatcher.start();
        ScheduledThreadPoolExecutor scheduled = new ScheduledThreadPoolExecutor(1,
                daemon("apalis-" + name() + "-scheduler"));
        scheduled.setRemoveOnCancelPolicy(true);
        scheduler = scheduled;
        timeouts.start(scheduler);
        state = State.RUNNING;
        heartbeats.start(scheduler, settings.heartbeatInterval());
        emit(new WorkerEvent.Start(name(), now()));
        outcomes.start();
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
            wake.wakeUp();
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
            wake.wakeUp();
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
        wake.wakeUp();
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
        return dispatcher.active();
    }

    @Override
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        return terminated.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Whether the worker runs and no stop was asked for: it claims and starts tasks (unless paused). */
    boolean accepting() {
        return state == State.RUNNING;
    }

    private void fenceLifted() {
        dispatcher.releaseWaiting();
        wake.wakeUp();
    }

    private int waitingSize() {
        return dispatcher.waitingSize();
    }

    private void wakeFetcherIfRefill() {
        dispatcher.wakeFetcherIfRefill();
    }

    private boolean fetcherIdle() {
        return fetcher.isIdle();
    }

    private boolean stopped() {
        return state == State.STOPPED;
    }

    Instant now() {
        return events.now();
    }

    void emit(WorkerEvent event) {
        events.emit(event);
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

    // ---------------------------------------------------------------- stopping

    /**
     * Stops the worker, on the fetcher's thread once it left its loop: releases what waits, waits for
     * running attempts up to the shutdown timeout, interrupts the rest, lets the completer write what
     * is left, then closes the subscription and deregisters.
     */
    void shutDown() {
        long deadline = System.nanoTime() + settings.shutdownTimeout().toNanos();
        dispatcher.releaseWaiting();
        dispatcher.awaitNoneActive(deadline);
        if (dispatcher.active() > 0) {
            logger.warn("Worker '" + name() + "' still had " + dispatcher.active() + " tasks running after its shutdown "
                    + "timeout of " + settings.shutdownTimeout() + "; interrupting them and putting them back in the "
                    + "queue without counting the attempt");
            dispatcher.interruptRunning();
            // Interrupted attempts report as their handlers return.
            dispatcher.awaitNoneActive(System.nanoTime() + SETTLE_WAIT.toNanos());
            if (dispatcher.active() > 0) {
                logger.warn("Worker '" + name() + "' stops with " + dispatcher.active() + " handler(s) that ignored "
                        + "the interrupt still running; their tasks stay RUNNING and are put back in the queue after "
                        + "the backend's orphan threshold, once this worker is gone");
            }
        }
        dispatcher.shutdown();
        state = State.STOPPED;
        // Within the worst case of WorkerBuilder.worstCaseStopTime: shutdown timeout + settle wait + this join.
        outcomes.join(Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())) + COMPLETER_JOIN_MILLIS);
        closeQuietly();
        emit(new WorkerEvent.Stop(name(), now()));
        terminated.countDown();
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

    static ThreadFactory daemon(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }
}
