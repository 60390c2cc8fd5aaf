package dev.apalis.spring.boot;

import java.time.Duration;
import java.time.temporal.ChronoUnit;

import org.springframework.boot.convert.DurationUnit;

/**
 * The settings of one worker, under {@code apalis.workers.<name>.*}: every {@link WorkerProperties}
 * setting, each inherited when not set, plus the two that only a single worker can have, its queue
 * and its shutdown timeout.
 */
public class NamedWorkerProperties extends WorkerProperties {

    /**
     * Queue this worker consumes. Defaults to the @TaskHandler queue, else the worker's name.
     */
    private String queue;

    /**
     * How long a graceful stop waits for this worker's tasks in flight. Defaults to
     * 'apalis.shutdown.timeout'.
     */
    @DurationUnit(ChronoUnit.SECONDS)
    private Duration shutdownTimeout;

    public String getQueue() {
        return this.queue;
    }

    public void setQueue(String queue) {
        this.queue = queue;
    }

    public Duration getShutdownTimeout() {
        return this.shutdownTimeout;
    }

    public void setShutdownTimeout(Duration shutdownTimeout) {
        this.shutdownTimeout = shutdownTimeout;
    }
}
