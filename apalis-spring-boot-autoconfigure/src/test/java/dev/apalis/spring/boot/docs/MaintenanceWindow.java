package dev.apalis.spring.boot.docs;

import org.springframework.stereotype.Component;

import dev.apalis.spring.Workers;

/**
 * Pausing and resuming a worker from code.
 */
@Component
public class MaintenanceWindow {

    private final Workers workers;

    MaintenanceWindow(Workers workers) {
        this.workers = workers;
    }

    public void begin() {
        this.workers.get("email").pause(); // stops claiming; tasks in flight finish
    }

    public void end() {
        this.workers.get("email").resume();
    }
}
