package dev.apalis.worker;

import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.apalis.task.Task;
import dev.apalis.task.TaskContext;
import dev.apalis.task.TaskId;

/**
 * One attempt of one task on a worker: the {@link TaskContext} its handler sees, and the flag that
 * lets exactly one of "the handler returned" and "the timeout fired" settle it.
 */
final class TaskExecution implements TaskContext {

    final Task task;

    volatile long startNanos;

    private final WorkerRuntime worker;

    private final int maxAttempts;

    private final AtomicBoolean settled = new AtomicBoolean();

    private Thread thread;

    private boolean started;

    volatile ScheduledFuture<?> timeoutFuture;

    TaskExecution(Task task, WorkerRuntime worker, int maxAttempts) {
        this.task = task;
        this.worker = worker;
        this.maxAttempts = maxAttempts;
        this.startNanos = System.nanoTime();
    }

    /**
     * Binds the attempt to the handler's thread as it starts.
     * @return {@code false} if the attempt was settled before it started (a stop released it): do not run it
     */
    synchronized boolean attach(Thread current) {
        if (settled.get()) {
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
     * Interrupts the handler's thread if it still runs this attempt.
     * @return whether the attempt had started; one settled before it started never will
     */
    synchronized boolean interrupt() {
        if (thread != null) {
            thread.interrupt();
        }
        return started;
    }

    /** Whether this call settled the attempt; only the first call does. */
    boolean settle() {
        if (!settled.compareAndSet(false, true)) {
            return false;
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
