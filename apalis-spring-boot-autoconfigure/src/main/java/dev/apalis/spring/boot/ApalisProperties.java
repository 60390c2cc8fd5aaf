package dev.apalis.spring.boot;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.DeprecatedConfigurationProperty;
import org.springframework.boot.convert.DurationUnit;
import org.springframework.validation.Errors;
import org.springframework.validation.Validator;

/**
 * Configuration properties under {@code apalis.*}. Values are checked when they are bound: an
 * invalid value fails start-up with a message that names the property and what it allows.
 * <p>
 * A worker setting is taken from, by increasing precedence: the built-in default,
 * {@code apalis.defaults.*}, the {@code @TaskHandler} attribute, {@code apalis.workers.<name>.*}.
 * <p>
 * A duration written as a bare number is read in seconds ({@code poll-interval: 5} is five seconds);
 * write a unit ({@code 500ms}, {@code 10s}, {@code 1m}) to be explicit.
 */
@ConfigurationProperties("apalis")
public class ApalisProperties implements Validator {

    /**
     * Where tasks are stored: 'auto' picks 'jdbc' when a DataSource bean, spring-jdbc and the
     * PostgreSQL driver are present, else 'memory'.
     */
    private BackendType backend = BackendType.AUTO;

    private final Defaults defaults = new Defaults();

    /**
     * Settings of single workers, by worker name; each one overrides 'apalis.defaults' and the
     * handler's @TaskHandler attributes.
     */
    private final Map<String, Worker> workers = new LinkedHashMap<>();

    /**
     * Recurring tasks, by schedule name; each one's properties override the @TaskSchedule of the same
     * name. See docs/schedules.md.
     */
    private final Map<String, ScheduleProperties> schedules = new LinkedHashMap<>();

    private final Heartbeat heartbeat = new Heartbeat();

    private final Jdbc jdbc = new Jdbc();

    public ApalisProperties() {
        this.jdbc.useHeartbeat(this.heartbeat);
    }

    private final Shutdown shutdown = new Shutdown();

    private final Metrics metrics = new Metrics();

    public BackendType getBackend() {
        return this.backend;
    }

    public void setBackend(BackendType backend) {
        this.backend = backend;
    }

    public Defaults getDefaults() {
        return this.defaults;
    }

    public Map<String, Worker> getWorkers() {
        return this.workers;
    }

    public Map<String, ScheduleProperties> getSchedules() {
        return this.schedules;
    }

    public Heartbeat getHeartbeat() {
        return this.heartbeat;
    }

    public Jdbc getJdbc() {
        return this.jdbc;
    }

    public Shutdown getShutdown() {
        return this.shutdown;
    }

    public Metrics getMetrics() {
        return this.metrics;
    }

    @Override
    public boolean supports(Class<?> type) {
        return ApalisProperties.class.isAssignableFrom(type);
    }

    @Override
    public void validate(Object target, Errors errors) {
        new ApalisPropertiesValidator((ApalisProperties) target, errors).validate();
    }

    /**
     * Where tasks are stored.
     */
    public enum BackendType {

        /** PostgreSQL when a DataSource bean, spring-jdbc and the PostgreSQL driver are present, else memory. */
        AUTO,

        /** PostgreSQL through the application's (or the {@code @ApalisDataSource}) DataSource. */
        JDBC,

        /** This JVM's memory: tasks are lost when it stops. */
        MEMORY
    }

    /**
     * When the backend creates or upgrades its tables.
     */
    public enum SchemaInitialization {

        /** At every start-up: idempotent, never drops anything. */
        ALWAYS,

        /** Never: the schema is managed elsewhere (Flyway, Liquibase, a DBA). */
        NEVER
    }

    /**
     * Settings every worker starts from.
     */
    public static class Defaults {

        /**
         * Whether workers start with the application; a worker's own 'enabled' overrides it.
         */
        private boolean enabled = true;

        /**
         * How many tasks a worker runs at once.
         */
        private int concurrency = 10;

        /**
         * How many tasks a worker claims ahead of its free slots, a fixed number (0: only for free
         * slots). When not set the prefetch adapts: about as many tasks as the worker finishes during
         * one claim round trip, at most 256.
         */
        private Integer prefetch;

        /**
         * How often an idle worker looks for due tasks when no push notification arrives. At least 50ms.
         */
        @DurationUnit(ChronoUnit.SECONDS)
        private Duration pollInterval = Duration.ofSeconds(1);

        /**
         * How long one attempt may run before its thread is interrupted and the attempt fails. No
         * limit when not set. At least 100ms.
         */
        @DurationUnit(ChronoUnit.SECONDS)
        private Duration timeout;

        /**
         * How many attempts a task may take, the first included.
         */
        private int maxAttempts = 25;

        private final Backoff backoff = new Backoff();

        private final RateLimit rateLimit = new RateLimit();

        public boolean isEnabled() {
            return this.enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public int getConcurrency() {
            return this.concurrency;
        }

        public void setConcurrency(int concurrency) {
            this.concurrency = concurrency;
        }

        public Integer getPrefetch() {
            return this.prefetch;
        }

        public void setPrefetch(Integer prefetch) {
            this.prefetch = prefetch;
        }

        public Duration getPollInterval() {
            return this.pollInterval;
        }

        public void setPollInterval(Duration pollInterval) {
            this.pollInterval = pollInterval;
        }

        public Duration getTimeout() {
            return this.timeout;
        }

        public void setTimeout(Duration timeout) {
            this.timeout = timeout;
        }

        public int getMaxAttempts() {
            return this.maxAttempts;
        }

        public void setMaxAttempts(int maxAttempts) {
            this.maxAttempts = maxAttempts;
        }

        public Backoff getBackoff() {
            return this.backoff;
        }

        public RateLimit getRateLimit() {
            return this.rateLimit;
        }
    }

    /**
     * Exponential backoff between attempts, with jitter.
     */
    public static class Backoff {

        /**
         * Delay after the first failed attempt.
         */
        @DurationUnit(ChronoUnit.SECONDS)
        private Duration initial = Duration.ofSeconds(1);

        /**
         * Factor by which each delay grows over the previous one; 1.0 for a fixed delay.
         */
        private double multiplier = 2.0;

        /**
         * Longest delay between attempts.
         */
        @DurationUnit(ChronoUnit.SECONDS)
        private Duration max = Duration.ofHours(1);

        /**
         * Share by which each delay is moved at random either way, from 0.0 to 1.0.
         */
        private double jitter = 0.1;

        public Duration getInitial() {
            return this.initial;
        }

        public void setInitial(Duration initial) {
            this.initial = initial;
        }

        public double getMultiplier() {
            return this.multiplier;
        }

        public void setMultiplier(double multiplier) {
            this.multiplier = multiplier;
        }

        public Duration getMax() {
            return this.max;
        }

        public void setMax(Duration max) {
            this.max = max;
        }

        public double getJitter() {
            return this.jitter;
        }

        public void setJitter(double jitter) {
            this.jitter = jitter;
        }
    }

    /**
     * At most 'permits' task starts in any window of 'period', per worker.
     */
    public static class RateLimit {

        /**
         * Task starts allowed per period; 0 for no limit.
         */
        private int permits = 0;

        /**
         * Window in which at most 'permits' tasks start.
         */
        @DurationUnit(ChronoUnit.SECONDS)
        private Duration period = Duration.ofSeconds(1);

        public int getPermits() {
            return this.permits;
        }

        public void setPermits(int permits) {
            this.permits = permits;
        }

        public Duration getPeriod() {
            return this.period;
        }

        public void setPeriod(Duration period) {
            this.period = period;
        }
    }

    /**
     * Settings of one worker; anything not set is inherited (from the @TaskHandler attributes, then
     * 'apalis.defaults').
     */
    public static class Worker {

        /**
         * Whether this worker starts with the application.
         */
        private Boolean enabled;

        /**
         * Queue this worker consumes. Defaults to the worker's name.
         */
        private String queue;

        /**
         * How many tasks this worker runs at once.
         */
        private Integer concurrency;

        /**
         * How many tasks this worker claims ahead of its free slots, a fixed number (0: only for free
         * slots). When not set here nor anywhere else the prefetch adapts.
         */
        private Integer prefetch;

        /**
         * How often this worker, when idle, looks for due tasks without a push notification. At least
         * 50ms.
         */
        @DurationUnit(ChronoUnit.SECONDS)
        private Duration pollInterval;

        /**
         * How long one attempt may run. At least 100ms.
         */
        @DurationUnit(ChronoUnit.SECONDS)
        private Duration timeout;

        /**
         * How many attempts a task may take, the first included.
         */
        private Integer maxAttempts;

        /**
         * How long a graceful stop waits for this worker's tasks in flight. Defaults to
         * 'apalis.shutdown.timeout'.
         */
        @DurationUnit(ChronoUnit.SECONDS)
        private Duration shutdownTimeout;

        private final WorkerBackoff backoff = new WorkerBackoff();

        private final WorkerRateLimit rateLimit = new WorkerRateLimit();

        public Boolean getEnabled() {
            return this.enabled;
        }

        public void setEnabled(Boolean enabled) {
            this.enabled = enabled;
        }

        public String getQueue() {
            return this.queue;
        }

        public void setQueue(String queue) {
            this.queue = queue;
        }

        public Integer getConcurrency() {
            return this.concurrency;
        }

        public void setConcurrency(Integer concurrency) {
            this.concurrency = concurrency;
        }

        public Integer getPrefetch() {
            return this.prefetch;
        }

        public void setPrefetch(Integer prefetch) {
            this.prefetch = prefetch;
        }

        public Duration getPollInterval() {
            return this.pollInterval;
        }

        public void setPollInterval(Duration pollInterval) {
            this.pollInterval = pollInterval;
        }

        public Duration getTimeout() {
            return this.timeout;
        }

        public void setTimeout(Duration timeout) {
            this.timeout = timeout;
        }

        public Integer getMaxAttempts() {
            return this.maxAttempts;
        }

        public void setMaxAttempts(Integer maxAttempts) {
            this.maxAttempts = maxAttempts;
        }

        public Duration getShutdownTimeout() {
            return this.shutdownTimeout;
        }

        public void setShutdownTimeout(Duration shutdownTimeout) {
            this.shutdownTimeout = shutdownTimeout;
        }

        public WorkerBackoff getBackoff() {
            return this.backoff;
        }

        public WorkerRateLimit getRateLimit() {
            return this.rateLimit;
        }
    }

    /**
     * Backoff of one worker; anything not set is inherited.
     */
    public static class WorkerBackoff {

        /**
         * Delay after the first failed attempt.
         */
        @DurationUnit(ChronoUnit.SECONDS)
        private Duration initial;

        /**
         * Factor by which each delay grows over the previous one.
         */
        private Double multiplier;

        /**
         * Longest delay between attempts.
         */
        @DurationUnit(ChronoUnit.SECONDS)
        private Duration max;

        /**
         * Share by which each delay is moved at random either way, from 0.0 to 1.0.
         */
        private Double jitter;

        public Duration getInitial() {
            return this.initial;
        }

        public void setInitial(Duration initial) {
            this.initial = initial;
        }

        public Double getMultiplier() {
            return this.multiplier;
        }

        public void setMultiplier(Double multiplier) {
            this.multiplier = multiplier;
        }

        public Duration getMax() {
            return this.max;
        }

        public void setMax(Duration max) {
            this.max = max;
        }

        public Double getJitter() {
            return this.jitter;
        }

        public void setJitter(Double jitter) {
            this.jitter = jitter;
        }
    }

    /**
     * Rate limit of one worker; anything not set is inherited.
     */
    public static class WorkerRateLimit {

        /**
         * Task starts allowed per period; 0 for no limit.
         */
        private Integer permits;

        /**
         * Window in which at most 'permits' tasks start.
         */
        @DurationUnit(ChronoUnit.SECONDS)
        private Duration period;

        public Integer getPermits() {
            return this.permits;
        }

        public void setPermits(Integer permits) {
            this.permits = permits;
        }

        public Duration getPeriod() {
            return this.period;
        }

        public void setPeriod(Duration period) {
            this.period = period;
        }
    }

    /**
     * Heart-beats of workers and the rescue of tasks whose worker stopped heart-beating, for every
     * backend.
     */
    public static class Heartbeat {

        /**
         * How often every worker tells the backend it is alive; keep it well under the orphan
         * threshold. At least 100ms.
         */
        @DurationUnit(ChronoUnit.SECONDS)
        private Duration interval = Duration.ofSeconds(5);

        /**
         * How old a worker's last heart-beat may be before its running tasks go back to the queue.
         * At least 1s.
         */
        @DurationUnit(ChronoUnit.SECONDS)
        private Duration orphanThreshold = Duration.ofSeconds(30);

        public Duration getInterval() {
            return this.interval;
        }

        public void setInterval(Duration interval) {
            this.interval = interval;
        }

        public Duration getOrphanThreshold() {
            return this.orphanThreshold;
        }

        public void setOrphanThreshold(Duration orphanThreshold) {
            this.orphanThreshold = orphanThreshold;
        }
    }

    /**
     * Settings of the PostgreSQL backend.
     */
    public static class Jdbc {

        /** Where the deprecated heart-beat keys of this group are kept. */
        private Heartbeat heartbeat = new Heartbeat();

        /**
         * Database schema of the backend's tables: letters, digits and underscores, not starting
         * with a digit, at most 63 characters.
         */
        private String schema = "apalis";

        /**
         * When to create or upgrade the backend's tables; 'never' when Flyway, Liquibase or a DBA
         * manages them.
         */
        private SchemaInitialization initializeSchema = SchemaInitialization.ALWAYS;

        /**
         * Whether pushes send a PostgreSQL NOTIFY that wakes idle workers at once; when false,
         * workers find new tasks by polling.
         */
        private boolean notifications = true;


        /**
         * How often orphaned tasks are rescued and finished tasks past their retention deleted. At
         * least 1s.
         */
        @DurationUnit(ChronoUnit.SECONDS)
        private Duration maintenanceInterval = Duration.ofSeconds(30);

        private final Retention retention = new Retention();

        void useHeartbeat(Heartbeat heartbeat) {
            this.heartbeat = heartbeat;
        }

        public String getSchema() {
            return this.schema;
        }

        public void setSchema(String schema) {
            this.schema = schema;
        }

        public SchemaInitialization getInitializeSchema() {
            return this.initializeSchema;
        }

        public void setInitializeSchema(SchemaInitialization initializeSchema) {
            this.initializeSchema = initializeSchema;
        }

        public boolean isNotifications() {
            return this.notifications;
        }

        public void setNotifications(boolean notifications) {
            this.notifications = notifications;
        }

        /**
         * How old a worker's last heart-beat may be before its running tasks go back to the queue.
         * @return the threshold
         * @deprecated since 0.2 in favour of {@code apalis.heartbeat.orphan-threshold}, which applies
         * to every backend
         */
        @Deprecated(since = "0.2")
        @DeprecatedConfigurationProperty(replacement = "apalis.heartbeat.orphan-threshold",
                reason = "Applies to every backend, not only JDBC.", since = "0.2")
        public Duration getOrphanThreshold() {
            return this.heartbeat.getOrphanThreshold();
        }

        @Deprecated(since = "0.2")
        public void setOrphanThreshold(Duration orphanThreshold) {
            this.heartbeat.setOrphanThreshold(orphanThreshold);
        }

        /**
         * How often every worker tells the backend it is alive.
         * @return the interval
         * @deprecated since 0.2 in favour of {@code apalis.heartbeat.interval}, which applies to every
         * backend
         */
        @Deprecated(since = "0.2")
        @DeprecatedConfigurationProperty(replacement = "apalis.heartbeat.interval",
                reason = "Applies to every backend, not only JDBC.", since = "0.2")
        public Duration getHeartbeatInterval() {
            return this.heartbeat.getInterval();
        }

        @Deprecated(since = "0.2")
        public void setHeartbeatInterval(Duration heartbeatInterval) {
            this.heartbeat.setInterval(heartbeatInterval);
        }

        public Duration getMaintenanceInterval() {
            return this.maintenanceInterval;
        }

        public void setMaintenanceInterval(Duration maintenanceInterval) {
            this.maintenanceInterval = maintenanceInterval;
        }

        public Retention getRetention() {
            return this.retention;
        }

        /**
         * How long finished tasks are kept.
         */
        public static class Retention {

            /**
             * How long done tasks are kept before they are deleted.
             */
            @DurationUnit(ChronoUnit.SECONDS)
            private Duration done = Duration.ofDays(1);

            /**
             * How long killed tasks are kept before they are deleted.
             */
            @DurationUnit(ChronoUnit.SECONDS)
            private Duration killed = Duration.ofDays(7);

            public Duration getDone() {
                return this.done;
            }

            public void setDone(Duration done) {
                this.done = done;
            }

            public Duration getKilled() {
                return this.killed;
            }

            public void setKilled(Duration killed) {
                this.killed = killed;
            }
        }
    }

    /**
     * Graceful shutdown of the workers.
     */
    public static class Shutdown {

        /**
         * How long tasks in flight may run on after the application begins to stop; past it they are
         * interrupted and put back in the queue. Keep it under
         * 'spring.lifecycle.timeout-per-shutdown-phase'.
         */
        @DurationUnit(ChronoUnit.SECONDS)
        private Duration timeout = Duration.ofSeconds(25);

        public Duration getTimeout() {
            return this.timeout;
        }

        public void setTimeout(Duration timeout) {
            this.timeout = timeout;
        }
    }

    /**
     * Micrometer metrics of tasks, queues and workers.
     */
    public static class Metrics {

        /**
         * Whether to publish Apalis metrics when Micrometer is present: task and push timers, wait
         * time, queue depth and worker state.
         */
        private boolean enabled = true;

        private final QueueDepth queueDepth = new QueueDepth();

        public boolean isEnabled() {
            return this.enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public QueueDepth getQueueDepth() {
            return this.queueDepth;
        }

        /**
         * The gauges of tasks per queue and status.
         */
        public static class QueueDepth {

            /**
             * Whether to publish the number of tasks per queue and status, counted by one query per
             * refresh interval.
             */
            private boolean enabled = true;

            /**
             * How often the task counts behind the queue depth gauges are refreshed; each refresh is one
             * count query, whatever the number of gauges and scrapes. At least 1s.
             */
            @DurationUnit(ChronoUnit.SECONDS)
            private Duration refreshInterval = Duration.ofSeconds(15);

            public boolean isEnabled() {
                return this.enabled;
            }

            public void setEnabled(boolean enabled) {
                this.enabled = enabled;
            }

            public Duration getRefreshInterval() {
                return this.refreshInterval;
            }

            public void setRefreshInterval(Duration refreshInterval) {
                this.refreshInterval = refreshInterval;
            }
        }
    }
}
