package dev.apalis.spring.boot.metrics;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import dev.apalis.backend.QueueCount;
import dev.apalis.backend.TaskInspector;
import dev.apalis.task.TaskStatus;

/**
 * The gauges {@code apalis.queue.tasks}, tagged {@code queue} and {@code status} (lower case): how many
 * tasks each queue holds in each status. They read a snapshot that one
 * {@link TaskInspector#estimateByQueueAndStatus()} call refreshes every interval, on a daemon thread of
 * its own: the number of gauges and scrapes never adds a query. On PostgreSQL that count costs
 * O(queues), exact up to a cap and an estimate beyond (see docs/observability.md). A queue gets its five gauges the
 * first time a refresh finds it; a queue that then empties reads 0; while the last refresh failed
 * (the database is down) every gauge reads NaN, for "unknown". {@link #close()} stops the refreshes.
 */
public final class QueueDepthMetrics implements MeterBinder, AutoCloseable {

    /** The gauges' name. */
    public static final String METER_NAME = "apalis.queue.tasks";

    private static final Log logger = LogFactory.getLog(QueueDepthMetrics.class);

    private final TaskInspector inspector;

    private final Duration refreshInterval;

    private final List<MeterRegistry> registries = new CopyOnWriteArrayList<>();

    private final Set<String> queues = ConcurrentHashMap.newKeySet();

    private volatile Map<String, Map<TaskStatus, Long>> counts = Map.of();

    private volatile boolean failed;

    private ScheduledExecutorService scheduler;

    /**
     * Creates the gauges' source.
     * @param inspector what counts the tasks
     * @param refreshInterval how often to count them
     */
    public QueueDepthMetrics(TaskInspector inspector, Duration refreshInterval) {
        this.inspector = Objects.requireNonNull(inspector, "inspector");
        this.refreshInterval = Objects.requireNonNull(refreshInterval, "refreshInterval");
        if (refreshInterval.isNegative() || refreshInterval.isZero()) {
            throw new IllegalArgumentException("refreshInterval must be positive, was " + refreshInterval);
        }
    }

    /**
     * Registers the gauges of the queues known so far, and starts the refreshes (the first one at once)
     * when first bound.
     */
    @Override
    public void bindTo(MeterRegistry registry) {
        this.registries.add(registry);
        for (String queue : this.queues) {
            register(registry, queue);
        }
        synchronized (this) {
            if (this.scheduler == null) {
                this.scheduler = Executors.newSingleThreadScheduledExecutor((runnable) -> {
                    Thread thread = new Thread(runnable, "apalis-queue-metrics");
                    thread.setDaemon(true);
                    return thread;
                });
                this.scheduler.scheduleWithFixedDelay(this::refreshQuietly, 0, this.refreshInterval.toMillis(),
                        TimeUnit.MILLISECONDS);
            }
        }
    }

    /**
     * Counts the tasks now, with one count, and registers the gauges of queues seen for the first time.
     * Called every refresh interval; public for tests and for applications that want a fresh value.
     * @throws RuntimeException what the count query threw; the gauges then read NaN until a refresh
     * succeeds
     */
    public void refresh() {
        List<QueueCount> rows;
        try {
            rows = this.inspector.estimateByQueueAndStatus();
        }
        catch (RuntimeException ex) {
            this.failed = true;
            throw ex;
        }
        Map<String, Map<TaskStatus, Long>> fresh = new HashMap<>();
        for (QueueCount row : rows) {
            fresh.computeIfAbsent(row.queue(), (queue) -> new HashMap<>()).put(row.status(), row.count());
        }
        this.counts = fresh;
        this.failed = false;
        for (String queue : fresh.keySet()) {
            if (this.queues.add(queue)) {
                for (MeterRegistry registry : this.registries) {
                    register(registry, queue);
                }
            }
        }
    }

    private void refreshQuietly() {
        boolean failedBefore = this.failed;
        try {
            refresh();
            if (failedBefore) {
                logger.info("Apalis queue depth metrics: counting tasks works again");
            }
        }
        catch (RuntimeException ex) {
            if (!failedBefore) {
                logger.warn("Apalis queue depth metrics: could not count tasks; the gauges read NaN until a count "
                        + "succeeds (tried again every " + this.refreshInterval + ")", ex);
            }
        }
    }

    private void register(MeterRegistry registry, String queue) {
        for (TaskStatus status : TaskStatus.values()) {
            Gauge.builder(METER_NAME, this, (metrics) -> metrics.count(queue, status))
                .description("Tasks of a queue in a status, counted every refresh interval")
                .tag("queue", queue)
                .tag("status", status.name().toLowerCase(Locale.ROOT))
                .strongReference(true)
                .register(registry);
        }
    }

    private double count(String queue, TaskStatus status) {
        if (this.failed) {
            return Double.NaN;
        }
        Map<TaskStatus, Long> byStatus = this.counts.get(queue);
        Long count = (byStatus != null) ? byStatus.get(status) : null;
        return (count != null) ? count : 0;
    }

    /** Stops the refreshes; the gauges keep their last values. */
    @Override
    public synchronized void close() {
        if (this.scheduler != null) {
            this.scheduler.shutdownNow();
        }
    }

    @Override
    public String toString() {
        return "QueueDepthMetrics[every " + this.refreshInterval + ", queues " + this.queues + "]";
    }
}
