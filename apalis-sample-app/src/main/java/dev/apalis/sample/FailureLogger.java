package dev.apalis.sample;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

import dev.apalis.worker.WorkerEvent;

/**
 * Logs every failed attempt: a warning while the task will be retried, an error with the stack trace
 * once it is given up. Apalis publishes every worker event as a Spring application event.
 */
@Component
class FailureLogger {

    private static final Logger logger = LoggerFactory.getLogger(FailureLogger.class);

    @EventListener // called on the worker's thread, after the outcome is stored: keep it quick
    void onFailure(WorkerEvent.TaskFailed event) {
        if (event.willRetry()) {
            logger.warn("Task {} ({}) failed attempt {}: {}; next attempt at {}", event.taskId(), event.queue(),
                    event.attempt(), event.error().getMessage(), event.retryAt());
        }
        else {
            logger.error("Task {} ({}) failed attempt {}, its last: given up", event.taskId(), event.queue(),
                    event.attempt(), event.error());
        }
    }
}
