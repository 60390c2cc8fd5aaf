package dev.apalis.sample.crm;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

import dev.apalis.spring.Workers;
import dev.apalis.worker.WorkerContext;

/**
 * Resumes the {@code crm-sync} worker, through the {@link Workers} registry, once the CRM is back.
 */
@Component
class CrmWatcher {

    private static final Logger logger = LoggerFactory.getLogger(CrmWatcher.class);

    private final Crm crm;

    private final Workers workers;

    CrmWatcher(Crm crm, Workers workers) {
        this.crm = crm;
        this.workers = workers;
    }

    @Scheduled(fixedDelayString = "${sample.crm.check-interval:1s}")
    void resumeWhenTheCrmIsBack() {
        WorkerContext worker = this.workers.find("crm-sync").orElse(null);
        if (worker != null && worker.isPaused() && this.crm.isUp()) {
            logger.info("The CRM answers again: resuming worker crm-sync");
            worker.resume();
        }
    }
}
