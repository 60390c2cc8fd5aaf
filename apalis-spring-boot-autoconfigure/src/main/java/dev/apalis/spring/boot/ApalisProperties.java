package dev.apalis.spring.boot;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.DeprecatedConfigurationProperty;
import org.springframework.boot.context.properties.NestedConfigurationProperty;
import org.springframework.boot.convert.DurationUnit;
import org.springframework.validation.Errors;
import org.springframework.validation.Validator;

/**
 * Configuration properties under {@code apalis.*}. Values are checked when they are bound: an
 * invalid value fails start-up with a message that names the property and what it allows.
 * <p>
 * A worker's settings are declared once, in {@link WorkerProperties}, and written both under
 * {@code apalis.defaults.*} and under {@code apalis.workers.<name>.*} ({@link NamedWorkerProperties}).
 * Each is taken from, by increasing precedence: the built-in default, {@code apalis.defaults.*}, the
 * {@code @TaskHandler} attribute, {@code apalis.workers.<name>.*}.
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

    /**
     * Settings every worker starts from, each one inherited by a worker that does not set it.
     */
    @NestedConfigurationProperty
    private final WorkerProperties defaults = WorkerProperties.builtInDefaults();

    /**
     * Settings of single workers, by worker name; each one overrides 'apalis.defaults' and the
     * handler's @TaskHandler attributes.
     */
    private final Map<String, NamedWorkerProperties> workers = new LinkedHashMap<>();

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

    public WorkerProperties getDefaults() {
        return this.defaults;
    }

    public Map<String, NamedWorkerProperties> getWorkers() {
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
             * How long done tasks are kept before they are deleted. 0 keeps none: a task's success
             * deletes its row, which halves what a task costs the database.
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
