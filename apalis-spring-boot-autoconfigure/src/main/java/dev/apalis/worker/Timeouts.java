package dev.apalis.worker;

import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import dev.apalis.task.Task;

/**
 * A worker's attempt timeouts. A timeout interrupts the handler's thread; the thread records the
 * attempt as timed out when it is done with it, and until then the slot stays taken. A handler still
 * running {@link #STUCK_AFTER} after the interrupt is reported stuck (a warning and a
 * {@link WorkerEvent.TaskStuck} event).
 */
final class Timeouts {

    /** How long a handler may go on after its timeout's interrupt before it is reported stuck. */
    static final Duration STUCK_AFTER = Duration.ofSeconds(1);

    private final String workerName;

    private final Duration timeout;

    private final EventEmitter events;

    private ScheduledExecutorService scheduler;

    /**
     * @param workerName the worker's name, for the log and events
     * @param timeout the attempt timeout, {@code null} for none
     * @param events the worker's events
     */
    Timeouts(String workerName, Duration timeout, EventEmitter events) {
        this.workerName = workerName;
        this.timeout = timeout;
        this.events = events;
    }

    /** The attempt timeout, {@code null} for none. */
    Duration timeout() {
        return timeout;
    }

    /**
     * Times attempts on this scheduler from now on.
     * @param scheduler the worker's scheduler
     */
    void start(ScheduledExecutorService scheduler) {
        this.scheduler = scheduler;
    }

    /**
     * Starts the clock of an attempt that has just started, if the worker has a timeout.
     * @param execution the attempt
     */
    void watch(TaskExecution execution) {
        if (timeout == null) {
            return;
        }
        try {
            execution.timeoutFuture = scheduler.schedule(() -> timeOut(execution), timeout.toNanos(),
                    TimeUnit.NANOSECONDS);
        }
        catch (RejectedExecutionException ex) {
            // The worker is stopping: its scheduler is shut down; the stop interrupts what runs too long.
        }
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
        WorkerRuntime.logger.warn("Worker '" + workerName + "': the handler of task " + task.id() + " (attempt "
                + task.attempts() + ") has run for " + runningFor + ", past its timeout of " + timeout + ", and "
                + "ignored the interrupt. It keeps its slot, and the task stays running on this worker, until the "
                + "handler returns; make it react to interrupts (or check Thread.interrupted()) so that timeouts "
                + "can stop it");
        events.emit(new WorkerEvent.TaskStuck(workerName, events.now(), task.id(), task.queue(), task.attempts(),
                runningFor));
    }
}
