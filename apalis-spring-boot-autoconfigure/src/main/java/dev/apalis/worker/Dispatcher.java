package dev.apalis.worker;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.OptionalInt;
import java.util.PriorityQueue;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import dev.apalis.task.Task;
import dev.apalis.task.TaskId;

/**
 * A worker's slots: claimed tasks wait here until a slot is free (and, with a rate limit, a permit),
 * then run on a pool of at most {@code concurrency} handler threads; a handler thread that frees its
 * slot runs the next waiting task itself, with no hand-off between threads per task. Waiting tasks
 * start by priority first, then in claim order, so that a task pushed urgent does not queue behind
 * tasks claimed ahead. A slot is freed only when the handler's thread is done with the attempt. Tasks
 * start only while the worker runs, is not paused and its heart-beats allow it.
 */
final class Dispatcher {

    /** A claimed task waiting for a slot; {@code order} keeps claim order among tasks of one priority. */
    private record Claimed(Task task, boolean charged, long order) {
    }

    private static final Comparator<Claimed> START_ORDER = Comparator.comparingInt((Claimed c) -> c.task().priority())
        .thenComparingLong(Claimed::order);

    private final WorkerRuntime worker;

    private final WorkerSettings settings;

    private final HeldTasks held;

    private final Heartbeats heartbeats;

    private final RateLimiter rateLimiter;

    private final AttemptRunner runner;

    private final WakeSignal wake;

    /** Handler slots taken, at most the concurrency. */
    private final AtomicInteger active = new AtomicInteger();

    /** Attempts finished since the start; the adaptive prefetch compares it before and after a claim. */
    private final AtomicLong finished = new AtomicLong();

    /** Claimed tasks that wait for a slot; guarded by {@code this}. */
    private final Queue<Claimed> waiting = new PriorityQueue<>(START_ORDER);

    /** Claims handed to {@code waiting} so far; guarded by {@code this}. */
    private long claimOrder;

    /** The size of {@code waiting}, written under {@code this}, read without it. */
    private volatile int waitingSize;

    /** The fetcher claims again once no more than this many claimed tasks wait; handlers wake it then. */
    private volatile int refillAt;

    /** Attempts handed to a handler thread and not yet settled by it, so that a stop sees them. */
    private final Queue<TaskExecution> running = new ConcurrentLinkedQueue<>();

    private ExecutorService handlers;

    Dispatcher(WorkerRuntime worker, WorkerSettings settings, HeldTasks held, Heartbeats heartbeats,
            RateLimiter rateLimiter, AttemptRunner runner, WakeSignal wake) {
        this.worker = worker;
        this.settings = settings;
        this.held = held;
        this.heartbeats = heartbeats;
        this.rateLimiter = rateLimiter;
        this.runner = runner;
        this.wake = wake;
    }

    /** Creates the handler pool. */
    void start() {
        // At most concurrency threads: a slot is taken before a task is handed over and freed only when its
        // thread is done with it, so a handed-over task never waits long for a thread.
        ThreadPoolExecutor pool = new ThreadPoolExecutor(settings.concurrency(), settings.concurrency(), 60,
                TimeUnit.SECONDS, new LinkedBlockingQueue<>(), settings.handlerThreads());
        pool.allowCoreThreadTimeOut(true);
        handlers = pool;
    }

    /** Handler slots taken now. */
    int active() {
        return active.get();
    }

    /** Attempts finished since the start. */
    long finished() {
        return finished.get();
    }

    /** Claimed tasks waiting for a slot now. */
    int waitingSize() {
        return waitingSize;
    }

    /** The priority of the waiting task that starts next, empty when none waits. */
    synchronized OptionalInt nextPriority() {
        Claimed next = waiting.peek();
        return (next != null) ? OptionalInt.of(next.task().priority()) : OptionalInt.empty();
    }

    /**
     * Sets how few claimed tasks may wait before handlers wake the fetcher to claim again.
     * @param tasks the refill mark
     */
    void refillAt(int tasks) {
        refillAt = tasks;
    }

    /**
     * Queues the tasks of a claim for slots.
     * @param tasks the tasks, in claim order
     * @param charged how many of the first ones the claim charged
     */
    void add(List<Task> tasks, int charged) {
        int index = 0;
        synchronized (this) {
            for (Task task : tasks) {
                waiting.add(new Claimed(task, index++ < charged, claimOrder++));
            }
            waitingSize = waiting.size();
        }
    }

    /**
     * Hands waiting tasks to handler threads while slots (and rate-limit permits) are free, the worker
     * runs and is not paused. Cheap when nothing waits: it does not take the lock then.
     */
    void startWaiting() {
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
                    held.uncount(1);
                    held.release(List.of(execution.task.id()));
                    wake.wakeUp();
                }
                worker.emit(new WorkerEvent.Error(settings.name(), worker.now(), ex));
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
            while (starting.size() < max && worker.accepting() && !worker.isPaused() && !waiting.isEmpty()
                    && heartbeats.allowStarts(System.nanoTime())
                    && active.get() < settings.concurrency()
                    && (rateLimiter == null || rateLimiter.tryAcquire(1, System.nanoTime()) == 1)) {
                Claimed claim = waiting.poll();
                Task task = claim.task();
                int maxAttempts = (task.maxAttempts() > 0) ? task.maxAttempts() : settings.retryPolicy().maxAttempts();
                TaskExecution execution = new TaskExecution(task, claim.charged(), worker, maxAttempts);
                running.add(execution);
                active.incrementAndGet();
                starting.add(execution);
            }
            waitingSize = waiting.size();
        }
        return starting;
    }

    /** Puts the claimed tasks that did not start back in the queue (on pause, on stop, after a fence). */
    void releaseWaiting() {
        List<TaskId> ids = new ArrayList<>();
        synchronized (this) {
            Claimed claim;
            while ((claim = waiting.poll()) != null) {
                ids.add(claim.task().id());
            }
            waitingSize = 0;
        }
        if (!ids.isEmpty()) {
            held.uncount(ids.size());
            held.release(ids);
        }
    }

    /**
     * Runs an attempt on a handler thread, then, while tasks wait for the slot it freed, the next ones
     * on the same thread: no hand-off between threads per task.
     */
    private void execute(TaskExecution first) {
        TaskExecution execution = first;
        while (execution != null && runner.run(execution)) {
            running.remove(execution);
            freeSlot();
            wakeStopper();
            List<TaskExecution> next = (waitingSize == 0) ? List.of() : takeStartable(1);
            execution = next.isEmpty() ? null : next.get(0);
            startWaiting();
            wakeFetcherIfRefill();
        }
    }

    /** Lets a stop that waits for attempts to settle see this one. */
    private void wakeStopper() {
        if (!worker.accepting()) {
            wake.wakeUp();
        }
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
    void wakeFetcherIfRefill() {
        if (waitingSize <= refillAt || !worker.accepting()) {
            wake.wakeUp();
        }
    }

    /**
     * Waits until no handler slot is taken, or the deadline passes.
     * @param deadlineNanos the deadline, on {@link System#nanoTime()}
     */
    void awaitNoneActive(long deadlineNanos) {
        wake.awaitUntil(() -> active.get() == 0, deadlineNanos);
    }

    /**
     * A stop past its shutdown timeout: settles the attempts that were handed over but never started
     * (and puts their tasks back in the queue), and interrupts the handlers of the others, which record
     * their attempts as interrupted when they return.
     */
    void interruptRunning() {
        List<TaskId> unstarted = new ArrayList<>();
        for (TaskExecution execution : running) {
            if (execution.stopOrInterrupt()) {
                running.remove(execution);
                unstarted.add(execution.task.id());
                held.uncount(1);
                freeSlot();
            }
        }
        held.release(unstarted);
    }

    /** Lets the handler threads end once idle; running attempts go on. */
    void shutdown() {
        handlers.shutdown();
    }
}
