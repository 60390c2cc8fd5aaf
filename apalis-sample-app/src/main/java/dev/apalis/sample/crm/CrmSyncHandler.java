package dev.apalis.sample.crm;

import java.time.Duration;

import org.springframework.stereotype.Component;

import dev.apalis.spring.TaskHandler;
import dev.apalis.task.RetryTaskException;
import dev.apalis.task.TaskContext;

/**
 * Copies a new user to the CRM. When the CRM is down there is no point in failing every waiting task
 * against it: the handler pauses its own worker, which then claims nothing until {@link CrmWatcher}
 * sees the CRM back and resumes it. The task itself is retried later.
 */
@Component
class CrmSyncHandler {

    private final Crm crm;

    CrmSyncHandler(Crm crm) {
        this.crm = crm;
    }

    @TaskHandler("crm-sync")
    void sync(CrmContact contact, TaskContext context) {
        if (!this.crm.isUp()) {
            context.worker().pause(); // claim nothing more until CrmWatcher resumes the worker
            throw new RetryTaskException("The CRM is down", Duration.ofSeconds(1)); // counts as an attempt
        }
        this.crm.upsert(contact);
    }
}
