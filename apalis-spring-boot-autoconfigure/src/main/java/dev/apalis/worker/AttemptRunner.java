package dev.apalis.worker;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import dev.apalis.backend.Completion;
import dev.apalis.task.AbortTaskException;
import dev.apalis.task.PayloadException;
import dev.apalis.task.RetryTaskException;
import dev.apalis.task.Task;
import dev.apalis.task.TaskTimeoutException;

/**
 * Runs one attempt on a handler thread: reports its start (when its claim did not charge it), starts
 * its timeout, runs the interceptors and the handler, and hands the outcome to the
 * {@link OutcomeWriter}: done, retry after the retry policy's delay (or the handler's
 * {@link RetryTaskException}), killed (aborted, a payload that cannot be read, or the last attempt),
 * or, when a stop interrupted it, put back without losing the attempt.
 */
final class AttemptRunner {

    private static final int MAX_ERROR_LENGTH = 4000;

    private final WorkerSettings settings;

    private final EventEmitter events;

    private final OutcomeWriter outcomes;

    private final Timeouts timeouts;

    AttemptRunner(WorkerSettings settings, EventEmitter events, OutcomeWriter outcomes, Timeouts timeouts) {
        this.settings = settings;
        this.events = events;
        this.outcomes = outcomes;
        this.timeouts = timeouts;
    }

    /**
     * Runs one attempt on the calling thread.
     * @param execution the attempt
     * @return whether this thread settled it (its slot is free now), {@code false} if a timeout or a stop did
     */
    boolean run(TaskExecution execution) {
        if (!execution.attach(Thread.currentThread())) {
            return false;
        }
        Task task = execution.task;
        if (!execution.charged) {
            outcomes.reportStart(task.id());
        }
        events.emit(new WorkerEvent.TaskStarted(settings.name(), events.now(), task.id(), task.queue(), task.attempts()));
        timeouts.watch(execution);
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
            failure = new TaskTimeoutException(timeouts.timeout());
        }
        if (failure != null && execution.stopped()) {
            recordInterrupted(execution);
        }
        else {
            recordOutcome(execution, failure);
        }
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

    /** A stop interrupted the attempt: its task goes back to the queue without losing an attempt. */
    private void recordInterrupted(TaskExecution execution) {
        Task task = execution.task;
        String reason = "Interrupted: worker '" + settings.name() + "' stopped before the task finished (shutdown "
                + "timeout " + settings.shutdownTimeout() + "); the attempt is not counted";
        Instant at = events.now();
        outcomes.report(Completion.interrupted(task.id(), reason), new WorkerEvent.TaskFailed(settings.name(), at,
                task.id(), task.queue(), task.attempts(), Duration.ofNanos(System.nanoTime() - execution.startNanos),
                new InterruptedException(reason), at));
    }

    private void recordOutcome(TaskExecution execution, Throwable failure) {
        Task task = execution.task;
        String name = settings.name();
        Instant now = events.now();
        Duration duration = Duration.ofNanos(System.nanoTime() - execution.startNanos);
        if (failure == null) {
            outcomes.report(Completion.done(task.id()),
                    new WorkerEvent.TaskSucceeded(name, now, task.id(), task.queue(), task.attempts(), duration));
        }
        else if (failure instanceof AbortTaskException || failure instanceof PayloadException) {
            String reason = describe(failure);
            outcomes.report(Completion.kill(task.id(), reason),
                    new WorkerEvent.TaskFailed(name, now, task.id(), task.queue(), task.attempts(), duration, failure,
                            null),
                    new WorkerEvent.TaskKilled(name, now, task.id(), task.queue(), task.attempts(), reason));
        }
        else if (task.attempts() >= execution.maxAttempts()) {
            String reason = "Gave up after " + task.attempts() + " attempt" + (task.attempts() == 1 ? "" : "s")
                    + "; last error: " + describe(failure);
            outcomes.report(Completion.kill(task.id(), reason),
                    new WorkerEvent.TaskFailed(name, now, task.id(), task.queue(), task.attempts(), duration, failure,
                            null),
                    new WorkerEvent.TaskKilled(name, now, task.id(), task.queue(), task.attempts(), reason));
        }
        else {
            Duration delay = (failure instanceof RetryTaskException retry) ? retry.retryAfter()
                    : settings.retryPolicy().delayAfter(task.attempts());
            Instant retryAt = now.plus(delay);
            outcomes.report(Completion.retry(task.id(), delay, describe(failure)), new WorkerEvent.TaskFailed(name, now,
                    task.id(), task.queue(), task.attempts(), duration, failure, retryAt));
        }
    }

    /** The stack trace of a failure as stored with the task, cut at {@value #MAX_ERROR_LENGTH} characters. */
    static String describe(Throwable failure) {
        StringWriter text = new StringWriter();
        failure.printStackTrace(new PrintWriter(text));
        String full = text.toString();
        return (full.length() <= MAX_ERROR_LENGTH) ? full : full.substring(0, MAX_ERROR_LENGTH) + "\n\t...";
    }
}
