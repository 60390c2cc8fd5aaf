package dev.apalis.spring.boot;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import dev.apalis.worker.WorkerContext;
import dev.apalis.worker.WorkerEvent;
import dev.apalis.worker.WorkerEventListener;

/**
 * Logs what workers do at the levels an operator expects: INFO when a worker starts and stops, WARN
 * when a task is killed (id, queue, worker, attempts, the reason's first line) and when a worker meets
 * an error outside a handler (claims, heart-beats, listeners), at most once per
 * {@link #ERROR_INTERVAL} per worker with a count of the errors not logged, then an INFO line when it
 * works again; DEBUG for each failed attempt that will be retried. Task outcomes go to the logger
 * {@value #TASKS}, worker life and errors to {@value #WORKERS}.
 */
final class WorkerEventLogging implements WorkerEventListener {

    /** The logger of task outcomes. */
    static final String TASKS = "dev.apalis.tasks";

    /** The logger of workers' life and errors. */
    static final String WORKERS = "dev.apalis.workers";

    /** The shortest time between two WARN lines about one worker's errors. */
    static final Duration ERROR_INTERVAL = Duration.ofSeconds(30);

    private static final Log tasks = LogFactory.getLog(TASKS);

    private static final Log workers = LogFactory.getLog(WORKERS);

    private final Map<String, Errors> errors = new ConcurrentHashMap<>();

    @Override
    public void onEvent(WorkerContext worker, WorkerEvent event) {
        if (event instanceof WorkerEvent.Start start) {
            workers.info("Apalis worker '" + start.worker() + "' started");
        }
        else if (event instanceof WorkerEvent.Stop stop) {
            workers.info("Apalis worker '" + stop.worker() + "' stopped");
        }
        else if (event instanceof WorkerEvent.TaskKilled killed) {
            tasks.warn("Task " + killed.taskId() + " of queue '" + killed.queue() + "' was killed by worker '"
                    + killed.worker() + "' after " + killed.attempt() + " attempt" + ((killed.attempt() == 1) ? "" : "s")
                    + ": " + firstLine(killed.reason()));
        }
        else if (event instanceof WorkerEvent.TaskFailed failed) {
            if (failed.willRetry() && tasks.isDebugEnabled()) {
                tasks.debug("Task " + failed.taskId() + " of queue '" + failed.queue() + "' failed attempt "
                        + failed.attempt() + " on worker '" + failed.worker() + "', retried at " + failed.retryAt()
                        + ": " + firstLine(String.valueOf(failed.error())));
            }
            recovered(failed.worker());
        }
        else if (event instanceof WorkerEvent.Error error) {
            error(error);
        }
        else if (event instanceof WorkerEvent.TaskSucceeded || event instanceof WorkerEvent.Idle) {
            recovered(event.worker());
        }
    }

    private void error(WorkerEvent.Error event) {
        Errors state = this.errors.computeIfAbsent(event.worker(), (name) -> new Errors());
        String message;
        synchronized (state) {
            state.count++;
            if (state.lastLogged != null && Duration.between(state.lastLogged, event.at()).compareTo(ERROR_INTERVAL) < 0) {
                return;
            }
            long notLogged = state.count - state.logged - 1;
            state.lastLogged = event.at();
            state.logged = state.count;
            message = "Apalis worker '" + event.worker() + "' met an error: " + firstLine(String.valueOf(event.error()))
                    + ((notLogged > 0) ? " (" + notLogged + " more since the last report)" : "")
                    + "; it keeps trying";
        }
        if (workers.isDebugEnabled()) {
            workers.warn(message, event.error());
        }
        else {
            workers.warn(message);
        }
    }

    private void recovered(String worker) {
        Errors state = this.errors.remove(worker);
        if (state != null) {
            workers.info("Apalis worker '" + worker + "' works again after " + state.count + " error"
                    + ((state.count == 1) ? "" : "s"));
        }
    }

    private static String firstLine(String text) {
        if (text == null) {
            return "(no message)";
        }
        int end = text.indexOf('\n');
        return ((end >= 0) ? text.substring(0, end) : text).strip();
    }

    /** The errors of one worker since it last worked. */
    private static final class Errors {

        long count;

        long logged;

        Instant lastLogged;
    }
}
