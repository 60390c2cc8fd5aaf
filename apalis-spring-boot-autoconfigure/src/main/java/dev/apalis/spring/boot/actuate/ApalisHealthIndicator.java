package dev.apalis.spring.boot.actuate;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

import dev.apalis.backend.Backend;
import dev.apalis.spring.WorkerActivity;
import dev.apalis.spring.WorkerState;
import dev.apalis.spring.WorkerStatus;

/**
 * The {@code apalis} health: {@code UP} when the backend answers {@link Backend#ping()} (one cheap
 * query for PostgreSQL), {@code DOWN} when it does not (the database cannot be reached, or the tasks
 * table is missing). The details name the backend and give each enabled worker's state, queue and
 * tasks in flight, with the last error of a failing worker. A failing, paused or stopped worker does
 * not change the status: the backend's answer alone decides it.
 */
public class ApalisHealthIndicator extends AbstractHealthIndicator {

    private final Backend backend;

    private final WorkerActivity activity;

    /**
     * Creates the indicator.
     * @param backend the backend to ping
     * @param activity where the workers' states come from
     */
    public ApalisHealthIndicator(Backend backend, WorkerActivity activity) {
        super("Apalis health check failed");
        this.backend = Objects.requireNonNull(backend, "backend");
        this.activity = Objects.requireNonNull(activity, "activity");
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        try {
            this.backend.ping();
            builder.up();
        }
        catch (RuntimeException ex) {
            builder.down(ex);
        }
        builder.withDetail("backend", this.backend.getClass().getSimpleName());
        Map<String, Object> workers = new LinkedHashMap<>();
        for (WorkerStatus status : this.activity.statuses()) {
            if (status.state() != WorkerState.DISABLED) {
                workers.put(status.name(), details(status));
            }
        }
        builder.withDetail("workers", workers);
    }

    private static Map<String, Object> details(WorkerStatus status) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("state", status.state().name());
        details.put("queue", status.queue());
        details.put("inFlight", status.inFlight());
        if (status.state() == WorkerState.FAILING) {
            details.put("lastError", status.lastError());
            details.put("lastErrorAt", status.lastErrorAt().toString());
        }
        return details;
    }
}
