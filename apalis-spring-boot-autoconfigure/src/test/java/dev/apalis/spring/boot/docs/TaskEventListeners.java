package dev.apalis.spring.boot.docs;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.context.event.EventListener;
import org.springframework.scheduling.annotation.Async;
import org.springframework.stereotype.Component;

import dev.apalis.worker.WorkerEvent;

/**
 * Listeners for worker events.
 */
@Component
public class TaskEventListeners {

    private static final Log logger = LogFactory.getLog(TaskEventListeners.class);

    private final Alerts alerts;

    TaskEventListeners(Alerts alerts) {
        this.alerts = alerts;
    }

    @EventListener // runs on the worker's thread: keep it quick
    void onFailure(WorkerEvent.TaskFailed event) {
        if (!event.willRetry()) {
            logger.warn("Task " + event.taskId() + " failed for good", event.error());
        }
    }

    @Async // with @EnableAsync: runs on the application's task executor instead
    @EventListener
    void onKilled(WorkerEvent.TaskKilled event) {
        this.alerts.raise("Task " + event.taskId() + " in queue " + event.queue() + " was killed: " + event.reason());
    }

    /**
     * Raises alerts; stands for a pager or a chat hook.
     */
    public interface Alerts {

        void raise(String message);
    }
}
