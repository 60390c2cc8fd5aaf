package dev.apalis.worker;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;

import dev.apalis.task.Task;
import dev.apalis.task.TaskContext;
import dev.apalis.task.TaskId;

/**
 * One attempt of one task on a worker: the {@link TaskContext} its handler sees, and the state that
 * decides who records it. Only the handler's thread settles a started attempt, when its thread is done
 * with it (a timeout or a stop only interrupts it), so the attempt's slot stays taken while its thread
 * runs; a stop settles an attempt that never started.
 */
final class TaskExecution implements TaskContext {

    final Task task;

    /** Whether the claim charged the attempt; if not, its start is reported to the backend. */
    final boolean charged;

    volatile long startNanos;

    private final WorkerRuntime worker;

    private final int maxAttempts;

    private boolean settled;

    private Thread thread;

    private boolean started;

    private boolean timedOut;

    private boolean stopped;

    volatile ScheduledFuture<?> timeoutFuture;

    TaskExecution(Task task, boolean charged, WorkerRuntime worker, int maxAttempts) {
        this.task = task;
        this.charged = charged;
        this.worker = worker;
        this.maxAttempts = maxAttempts;
        this.startNanos = System.nanoTime();
    }

    /**
     * Binds the attempt to the handler's thread as it starts.
     * @return {@code false} if the attempt was settled before it started (a stop released it): do not run it
     */
    synchronized boolean attach(Thread current) {
        if (settled) {
            return false;
        }
        thread = current;
        started = true;
        startNanos = System.nanoTime();
        return true;
    }

    /** Forgets the handler's thread, so that a late timeout cannot interrupt whatever it runs next. */
    synchronized void detach() {
        thread = null;
    }

    /**
     * The timeout fired: interrupts the handler's thread if it still runs this attempt.
     * @return whether it did (the attempt will be recorded as timed out when its thread is done)
     */
    synchronized boolean timeOut() {
        if (settled || thread == null) {
            return false;
        }
        timedOut = true;
        thread.interrupt();
        return true;
    }

    /** Whether the handler's thread still runs this attempt. */
    synchronized boolean isRunning() {
        return thread != null;
    }

    synchronized boolean timedOut() {
        return timedOut;
    }

    /**
     * A stop past its shutdown timeout: settles the attempt if it has not started (the caller releases
     * its task), or interrupts the handler's thread if it has.
     * @return {@code true} if this call settled an attempt that never started
     */
    synchronized boolean stopOrInterrupt() {
        if (settled) {
            return false;
        }
        if (!started) {
            settled = true;
            return true;
        }
        if (thread != null) {
            stopped = true;
            thread.interrupt();
        }
        return false;
    }

    /** Whether a stop interrupted this attempt. */
    synchronized boolean stopped() {
        return stopped;
    }

    /** Whether this call settled the attempt; only the first call does. */
    boolean settle() {
        synchronized (this) {
            if (settled) {
                return false;
            }
            settled = true;
        }
        ScheduledFuture<?> timeout = timeoutFuture;
        if (timeout != null) {
            timeout.cancel(false);
        }
        return true;
    }

    @Override
    public TaskId taskId() {
        return task.id();
    }

    @Override
    public String queue() {
        return task.queue();
    }

    @Override
    public int attempt() {
        return task.attempts();
    }

    @Override
    public int maxAttempts() {
        return maxAttempts;
    }

    @Override
    public Instant runAt() {
        return task.runAt();
    }

    @Override
    public Map<String, String> metadata() {
        return task.metadata();
    }

    @Override
    public WorkerContext worker() {
        return worker;
    }

    @Override
    public <T> T data(Class<T> type) {
        return worker.data(type);
    }

    @Override
    public String toString() {
        return "TaskContext[" + task.id() + " in " + task.queue() + ", attempt " + task.attempts() + "/" + maxAttempts
                + "]";
    }
}
