package dev.apalis.backend.postgres;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import javax.sql.DataSource;

import dev.apalis.backend.Backend;
import dev.apalis.backend.Completion;
import dev.apalis.backend.QueueCount;
import dev.apalis.backend.WorkerRegistration;
import dev.apalis.task.NewTask;
import dev.apalis.task.Task;
import dev.apalis.task.TaskId;

/**
 * A durable {@link Backend} on PostgreSQL. SKELETON: the API is fixed, the implementation follows.
 */
public final class PostgresStorage implements Backend {

    public static final String DEFAULT_SCHEMA = "apalis";

    public static final Duration DEFAULT_ORPHAN_THRESHOLD = Duration.ofSeconds(30);

    public static final Duration DEFAULT_DONE_RETENTION = Duration.ofDays(1);

    public static final Duration DEFAULT_KILLED_RETENTION = Duration.ofDays(7);

    public static final Duration DEFAULT_MAINTENANCE_INTERVAL = Duration.ofSeconds(30);

    private PostgresStorage(Builder builder) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /**
     * Starts a builder over a data source.
     * @param dataSource the PostgreSQL data source
     * @return a builder
     */
    public static Builder builder(DataSource dataSource) {
        return new Builder(dataSource);
    }

    /** The schema this storage's tables live in. */
    public String schema() {
        throw new UnsupportedOperationException();
    }

    @Override
    public TaskId push(NewTask task) {
        throw new UnsupportedOperationException();
    }

    @Override
    public List<TaskId> pushAll(List<NewTask> tasks) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void register(WorkerRegistration worker) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void heartbeat(String workerId) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void deregister(String workerId) {
        throw new UnsupportedOperationException();
    }

    @Override
    public List<Task> claim(String queue, String workerId, int max) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void complete(String workerId, Collection<Completion> completions) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void release(String workerId, Collection<TaskId> ids) {
        throw new UnsupportedOperationException();
    }

    @Override
    public Optional<Instant> nextRunAt(String queue) {
        throw new UnsupportedOperationException();
    }

    @Override
    public Subscription subscribe(String queue, Runnable listener) {
        throw new UnsupportedOperationException();
    }

    @Override
    public Optional<Task> find(TaskId id) {
        throw new UnsupportedOperationException();
    }

    @Override
    public List<QueueCount> countByQueueAndStatus() {
        throw new UnsupportedOperationException();
    }

    @Override
    public boolean retry(TaskId id) {
        throw new UnsupportedOperationException();
    }

    @Override
    public boolean cancel(TaskId id) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void close() {
    }

    /**
     * Builds a {@link PostgresStorage}. Every setting has a default.
     */
    public static final class Builder {

        private final DataSource dataSource;

        private String schema = DEFAULT_SCHEMA;

        private boolean initializeSchema = true;

        private boolean notifications = true;

        private Duration orphanThreshold = DEFAULT_ORPHAN_THRESHOLD;

        private Duration doneRetention = DEFAULT_DONE_RETENTION;

        private Duration killedRetention = DEFAULT_KILLED_RETENTION;

        private Duration maintenanceInterval = DEFAULT_MAINTENANCE_INTERVAL;

        private Builder(DataSource dataSource) {
            this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        }

        /** The schema of the tables; a plain SQL identifier (letters, digits, underscores). Default {@code apalis}. */
        public Builder schema(String schema) {
            this.schema = schema;
            return this;
        }

        /** Whether {@link #build()} creates or upgrades the schema (idempotent, never drops). Default true. */
        public Builder initializeSchema(boolean initialize) {
            this.initializeSchema = initialize;
            return this;
        }

        /** Whether pushes send NOTIFY and subscriptions LISTEN; polling alone when false. Default true. */
        public Builder notifications(boolean enabled) {
            this.notifications = enabled;
            return this;
        }

        /** How old a worker's last heart-beat may be before its running tasks go back to the queue. Default 30 s. */
        public Builder orphanThreshold(Duration threshold) {
            this.orphanThreshold = threshold;
            return this;
        }

        /** How long done tasks are kept. Default 1 day. */
        public Builder doneRetention(Duration retention) {
            this.doneRetention = retention;
            return this;
        }

        /** How long killed tasks are kept. Default 7 days. */
        public Builder killedRetention(Duration retention) {
            this.killedRetention = retention;
            return this;
        }

        /** How often orphan rescue and retention run (one node at a time). Default 30 s. */
        public Builder maintenanceInterval(Duration interval) {
            this.maintenanceInterval = interval;
            return this;
        }

        public PostgresStorage build() {
            return new PostgresStorage(this);
        }
    }
}
