package dev.apalis.backend.postgres;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

import javax.sql.DataSource;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.util.ClassUtils;

import dev.apalis.backend.Backend;
import dev.apalis.backend.BackendCapability;
import dev.apalis.backend.BackendMaintenance;
import dev.apalis.backend.ClaimRequest;
import dev.apalis.backend.Completion;
import dev.apalis.backend.QueueCount;
import dev.apalis.backend.TaskCursor;
import dev.apalis.backend.TaskDetails;
import dev.apalis.backend.TaskManagement;
import dev.apalis.backend.TaskPage;
import dev.apalis.backend.RegisteredWorker;
import dev.apalis.backend.WorkerDirectory;
import dev.apalis.backend.WorkerRegistration;
import dev.apalis.schedule.ScheduleStore;
import dev.apalis.schedule.SchedulingBackend;
import dev.apalis.task.NewTask;
import dev.apalis.task.Task;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskStatus;

/**
 * A durable {@link Backend} on PostgreSQL: tasks survive restarts and crashes, and any number of
 * nodes can share one database.
 * <p>
 * What it guarantees, on top of the {@link Backend} contract:
 * <ul>
 * <li><b>Transactional pushes.</b> Inside a transaction on the same {@link DataSource}, begun by any
 * Spring transaction manager (JDBC or JPA), pushes run on the transaction's connection and commit or
 * roll back with it (the outbox pattern); workers are only woken once they commit. The storage never
 * commits or rolls back what it did not begin; a push in a read-only transaction is refused. Outside
 * one, each push and each {@code pushAll} commits on its own, and concurrent single pushes are stored
 * together by a group insert ({@link Builder#groupInsert(boolean)}).</li>
 * <li><b>One-statement claims</b> with {@code FOR UPDATE SKIP LOCKED}, in the order priority, run time,
 * id, served by a partial index that matches that order; outcomes are written a batch per statement,
 * each guarded by status and owner.</li>
 * <li><b>Wake-ups</b> by LISTEN/NOTIFY over one connection per storage (started with the first
 * subscription, reconnecting after failures); pushes are announced after they commit, coalesced by one
 * thread, so that concurrent pushers do not queue behind each other's notifying commits; workers also poll, so a pooler in transaction mode or
 * {@link Builder#notifications(boolean) notifications(false)} only costs latency.</li>
 * <li><b>Crash recovery.</b> Tasks held by a worker whose last heart-beat is older than the orphan
 * threshold go back to the queue, checked every third of the threshold (or every maintenance
 * interval if that is shorter); one node at a time does it.</li>
 * <li><b>At-least-once delivery.</b> A task is never lost; it runs twice only if its worker died or
 * lost its claim mid-run. Handlers should be idempotent.</li>
 * <li><b>Retention.</b> Done and killed tasks are deleted after their retention, in batches, by one
 * node at a time; with a done retention of zero a done task is deleted by its outcome's write instead,
 * which halves what a task costs the database.</li>
 * <li><b>Flat claims.</b> A task due more than 5 s ahead waits as {@code SCHEDULED}, outside the claim
 * index, and is promoted back shortly before it is due by one node at a time; it reads as pending (or
 * failed, when it waits for a retry). So a backlog of future tasks costs the claim nothing.</li>
 * </ul>
 * The schema (default {@value #DEFAULT_SCHEMA}) is created or upgraded by {@link Builder#build()}
 * unless {@link Builder#initializeSchema(boolean) initializeSchema(false)}; the DDL is on the class
 * path as {@code dev/apalis/backend/postgres/schema-v1.sql}, {@code schema-v2.sql} and so on for
 * Flyway or Liquibase. The storage owns daemon threads (listener, notifier, maintenance, promotion; the
 * group insert runs on its callers' threads) and one connection for listening; {@link #close()} waits
 * for what the group insert holds, releases them and leaves the stored tasks alone. Thread-safe.
 */
public final class PostgresStorage
        implements Backend, SchedulingBackend, TaskManagement, BackendMaintenance, WorkerDirectory {

    private static final Log logger = LogFactory.getLog(PostgresStorage.class);

    public static final String DEFAULT_SCHEMA = "apalis";

    public static final Duration DEFAULT_ORPHAN_THRESHOLD = Duration.ofSeconds(30);

    public static final Duration DEFAULT_DONE_RETENTION = Duration.ofDays(1);

    public static final Duration DEFAULT_KILLED_RETENTION = Duration.ofDays(7);

    public static final Duration DEFAULT_MAINTENANCE_INTERVAL = Duration.ofSeconds(30);

    /** The shortest time between two orphan checks, whatever the threshold. */
    private static final Duration MIN_RESCUE_INTERVAL = Duration.ofMillis(100);

    private static final Duration MAX_RETENTION = Duration.ofDays(365L * 1000);

    private static final boolean PGJDBC_PRESENT = ClassUtils.isPresent("org.postgresql.PGConnection",
            PostgresStorage.class.getClassLoader());

    private final SchemaNames names;

    private final PushNotifier notifier;

    private final TaskPusher pusher;

    private final TaskClaimer claimer;

    private final CompletionWriter writer;

    private final WorkerRegistry workers;

    private final TaskInspections inspections;

    private final TaskManagementQueries management;

    private final NotificationListener listener;

    private final Maintenance maintenance;

    private final PostgresScheduleStore schedules;

    private final Duration orphanThreshold;

    private final Set<BackendCapability> capabilities;

    private PostgresStorage(Builder builder) {
        this.orphanThreshold = builder.orphanThreshold;
        this.names = SchemaNames.of(builder.schema);
        StorageJdbc db = new StorageJdbc(builder.dataSource, names);
        SchemaInitializer schema = new SchemaInitializer(db);
        if (builder.initializeSchema) {
            schema.initialize();
        }
        else {
            schema.check();
        }
        boolean notify = builder.notifications;
        this.notifier = notify ? new PushNotifier(db) : null;
        this.pusher = new TaskPusher(db, notifier, builder.groupInsert);
        this.claimer = new TaskClaimer(db);
        this.writer = new CompletionWriter(db, notify, builder.doneRetention.isZero());
        this.workers = new WorkerRegistry(db);
        this.inspections = new TaskInspections(db, notify);
        this.management = new TaskManagementQueries(db, notify);
        if (notify && !PGJDBC_PRESENT) {
            logger.warn("The PostgreSQL JDBC driver (org.postgresql:postgresql) is not on the class path: Apalis "
                    + "cannot LISTEN, so workers find new tasks by polling only");
        }
        DataSource listenSource = (builder.listenDataSource != null) ? builder.listenDataSource : builder.dataSource;
        this.listener = (notify && builder.listen && PGJDBC_PRESENT) ? new NotificationListener(listenSource, names)
                : null;
        this.schedules = new PostgresScheduleStore(db, notifier, this::subscribe);
        this.maintenance = new Maintenance(new OrphanRescuer(db, builder.orphanThreshold, notify),
                new RetentionPruner(db, builder.doneRetention, builder.killedRetention), new ScheduledPromoter(db, notify),
                builder.maintenanceInterval, names.schema());
        if (builder.maintenance) {
            maintenance.start(rescueInterval(builder.orphanThreshold, builder.maintenanceInterval));
        }
        Set<BackendCapability> declared = EnumSet.of(BackendCapability.DURABLE, BackendCapability.SHARED_STORE,
                BackendCapability.TRANSACTIONAL_PUSH, BackendCapability.LOST_CLAIM_RECOVERY);
        if (this.listener != null) {
            declared.add(BackendCapability.WAKE_UPS);
        }
        this.capabilities = Set.copyOf(declared);
    }

    /**
     * Starts a builder over a data source.
     * @param dataSource the PostgreSQL data source
     * @return a builder
     */
    public static Builder builder(DataSource dataSource) {
        return new Builder(dataSource);
    }

    /**
     * How often orphans are looked for: every third of the threshold, or every maintenance interval if
     * that is shorter, so that a crashed worker's tasks are back within 4/3 of the threshold after its
     * last heart-beat.
     * @param orphanThreshold the orphan threshold
     * @param maintenanceInterval the maintenance interval
     * @return the interval between orphan checks
     */
    static Duration rescueInterval(Duration orphanThreshold, Duration maintenanceInterval) {
        Duration third = orphanThreshold.dividedBy(3);
        Duration interval = (third.compareTo(maintenanceInterval) < 0) ? third : maintenanceInterval;
        return (interval.compareTo(MIN_RESCUE_INTERVAL) < 0) ? MIN_RESCUE_INTERVAL : interval;
    }

    /** The schema this storage's tables live in (lower case). */
    public String schema() {
        return names.schema();
    }

    /**
     * {@inheritDoc}
     * @throws dev.apalis.task.PayloadException if PostgreSQL cannot store the payload as {@code jsonb}
     * (it is not valid JSON, or holds a {@code \u0000} escape)
     * @throws IllegalArgumentException if the queue name is longer than 255 characters or the unique
     * key longer than 500, or either holds a NUL character
     */
    @Override
    public TaskId push(NewTask task) {
        Objects.requireNonNull(task, "task");
        return pusher.pushAll(List.of(task)).get(0);
    }

    /**
     * {@inheritDoc} One statement for the whole list (a second one only when unique keys were already
     * held); all or nothing.
     * @throws dev.apalis.task.PayloadException if PostgreSQL cannot store a payload as {@code jsonb};
     * the message says which task
     */
    @Override
    public List<TaskId> pushAll(List<NewTask> tasks) {
        Objects.requireNonNull(tasks, "tasks");
        return pusher.pushAll(tasks);
    }

    @Override
    public void register(WorkerRegistration worker) {
        Objects.requireNonNull(worker, "worker");
        workers.register(worker);
    }

    @Override
    public void heartbeat(String workerId) {
        workers.heartbeat(Objects.requireNonNull(workerId, "workerId"));
    }

    /** {@inheritDoc} The ids are stored with the heart-beat, for the orphan rescuer. */
    @Override
    public void heartbeat(String workerId, Collection<TaskId> held) {
        workers.heartbeat(Objects.requireNonNull(workerId, "workerId"), Objects.requireNonNull(held, "held"));
    }

    /** {@inheritDoc} One read of the {@code workers} table. */
    @Override
    public List<RegisteredWorker> registeredWorkers() {
        return workers.list();
    }

    @Override
    public Optional<Duration> orphanThreshold() {
        return Optional.of(orphanThreshold);
    }

    @Override
    public void deregister(String workerId) {
        workers.deregister(Objects.requireNonNull(workerId, "workerId"));
    }

    @Override
    public List<Task> claim(ClaimRequest request) {
        return claimer.claim(Objects.requireNonNull(request, "request"));
    }

    @Override
    public void started(String workerId, Collection<TaskId> ids) {
        claimer.started(Objects.requireNonNull(workerId, "workerId"), Objects.requireNonNull(ids, "ids"));
    }

    @Override
    public void complete(String workerId, Collection<Completion> completions) {
        Objects.requireNonNull(workerId, "workerId");
        writer.complete(workerId, completions);
    }

    @Override
    public void release(String workerId, Collection<TaskId> ids) {
        Objects.requireNonNull(workerId, "workerId");
        writer.release(workerId, ids);
    }

    /** {@inheritDoc} Computed in SQL against the database's {@code now()}. */
    @Override
    public Optional<Duration> nextRunIn(String queue) {
        return claimer.nextRunIn(Objects.requireNonNull(queue, "queue"));
    }

    /**
     * {@inheritDoc} With notifications disabled (or without the PostgreSQL JDBC driver) nothing is
     * called and workers rely on polling.
     */
    @Override
    public Subscription subscribe(String queue, Runnable listener) {
        Objects.requireNonNull(queue, "queue");
        Objects.requireNonNull(listener, "listener");
        if (this.listener == null) {
            return () -> {
            };
        }
        return this.listener.subscribe(queue, claimer.noting(queue, listener));
    }

    @Override
    public Optional<Task> find(TaskId id) {
        return inspections.find(Objects.requireNonNull(id, "id"));
    }

    /**
     * {@inheritDoc} One {@code GROUP BY} over the whole table, finished tasks included.
     */
    @Override
    public List<QueueCount> countByQueueAndStatus() {
        return inspections.countByQueueAndStatus();
    }

    /**
     * {@inheritDoc} Waiting tasks are counted exactly up to 1,000 per queue from the claim index and
     * as many from the scheduled index, running tasks exactly, finished tasks exactly while the table
     * holds at most 5,000 of them; beyond a cap a count is PostgreSQL's planner estimate (see
     * docs/observability.md). Queues are those with waiting or running tasks or a registered worker.
     */
    @Override
    public List<QueueCount> estimateByQueueAndStatus() {
        return inspections.estimateByQueueAndStatus();
    }

    /**
     * {@inheritDoc} One probe of the claim index per distinct priority of the queue's waiting tasks.
     */
    @Override
    public Optional<Instant> oldestDueAt(String queue) {
        return inspections.oldestDueAt(Objects.requireNonNull(queue, "queue"));
    }

    /**
     * {@inheritDoc} One catalog look-up ({@code to_regclass}) that the tasks table exists, on a
     * connection from the data source: so it fails when the database cannot be reached (after the
     * pool's connection timeout) or the schema is missing.
     * @throws org.springframework.dao.DataAccessException when the database cannot be reached
     * @throws IllegalStateException when the tasks table does not exist
     */
    @Override
    public void ping() {
        inspections.ping();
    }

    /**
     * {@inheritDoc} Refuses ({@code false}) while an unfinished task of the same queue holds the
     * task's unique key. Wakes the queue's workers.
     */
    @Override
    public boolean retry(TaskId id) {
        return management.retry(Objects.requireNonNull(id, "id"));
    }

    /**
     * {@inheritDoc} The task keeps the error {@code "Cancelled by an operator"}.
     */
    @Override
    public boolean cancel(TaskId id) {
        return management.cancel(Objects.requireNonNull(id, "id"));
    }

    @Override
    public Optional<TaskDetails> details(TaskId id) {
        return management.details(Objects.requireNonNull(id, "id"));
    }

    @Override
    public TaskPage list(String queue, TaskStatus status, TaskCursor after, int limit) {
        return management.list(Objects.requireNonNull(queue, "queue"), Objects.requireNonNull(status, "status"), after,
                limit);
    }

    /** {@inheritDoc} One look-up of the index {@code tasks_unique_key_lookup_idx} (schema version 4). */
    @Override
    public List<Task> findByUniqueKey(String queue, String uniqueKey, int limit) {
        return management.findByUniqueKey(queue, Objects.requireNonNull(uniqueKey, "uniqueKey"), limit);
    }

    @Override
    public boolean delete(TaskId id) {
        return management.delete(Objects.requireNonNull(id, "id"));
    }

    @Override
    public boolean reschedule(TaskId id, Instant runAt) {
        return management.reschedule(Objects.requireNonNull(id, "id"), Objects.requireNonNull(runAt, "runAt"));
    }

    @Override
    public long cancelAll(String queue, TaskStatus status) {
        return management.cancelAll(Objects.requireNonNull(queue, "queue"), Objects.requireNonNull(status, "status"));
    }

    @Override
    public long retryAll(String queue, TaskStatus status) {
        return management.retryAll(Objects.requireNonNull(queue, "queue"), Objects.requireNonNull(status, "status"));
    }

    @Override
    public long deleteAll(String queue, TaskStatus status) {
        return management.deleteAll(Objects.requireNonNull(queue, "queue"), Objects.requireNonNull(status, "status"));
    }

    /** {@inheritDoc} Persisted in the {@code queues} table; claims of every node skip the queue. */
    @Override
    public boolean pause(String queue, String by) {
        return management.pause(Objects.requireNonNull(queue, "queue"), by);
    }

    /** {@inheritDoc} Sends a notification (when notifications are on) so that idle workers claim at once. */
    @Override
    public boolean resume(String queue, String by) {
        return management.resume(Objects.requireNonNull(queue, "queue"), by);
    }

    @Override
    public Set<String> pausedQueues() {
        return management.pausedQueues();
    }

    /**
     * Stops the listener and maintenance threads and gives the listening connection back. Stored
     * tasks are not touched. Calling it twice is harmless.
     */
    @Override
    public void close() {
        try {
            pusher.close();
            if (notifier != null) {
                notifier.close();
            }
        }
        finally {
            try {
                if (listener != null) {
                    listener.close();
                }
            }
            finally {
                maintenance.close();
            }
        }
    }

    /**
     * {@inheritDoc} Kept in the {@code schedules} table; a round locks due schedules with
     * {@code FOR UPDATE SKIP LOCKED} and pushes their tasks in the same transaction.
     */
    @Override
    public ScheduleStore schedules() {
        return schedules;
    }

    /**
     * {@inheritDoc} Durable, shared by every storage on the same schema, transactional pushes, lost-claim
     * recovery, and wake-ups by LISTEN/NOTIFY unless notifications or listening are turned off (or the
     * PostgreSQL JDBC driver is missing).
     */
    @Override
    public Set<BackendCapability> capabilities() {
        return capabilities;
    }

    /**
     * {@inheritDoc} The round the maintenance thread runs every third of the orphan threshold, under an
     * advisory lock so that one node at a time does it; after an outage it waits for one full threshold.
     */
    @Override
    public long rescueOrphans() {
        return maintenance.rescue();
    }

    /**
     * {@inheritDoc} Done tasks past their done retention, killed ones past their killed retention, by the
     * database's clock, in batches; the round the maintenance thread runs every maintenance interval.
     */
    @Override
    public long pruneFinished() {
        return maintenance.prune();
    }

    /** The maintenance rounds, for tests that run them at once. */
    Maintenance maintenance() {
        return maintenance;
    }

    /** The server process id of the listening connection, or 0 while there is none (for tests). */
    int listenerBackendPid() {
        return (listener != null) ? listener.backendPid() : 0;
    }

    @Override
    public String toString() {
        return "PostgresStorage[schema " + names.schema() + "]";
    }

    /**
     * Builds a {@link PostgresStorage}. Every setting has a default; {@link #build()} creates or
     * upgrades the schema (unless told not to) and starts the maintenance thread.
     */
    public static final class Builder {

        private final DataSource dataSource;

        private String schema = DEFAULT_SCHEMA;

        private boolean initializeSchema = true;

        private boolean notifications = true;

        private DataSource listenDataSource;

        private boolean listen = true;

        private boolean maintenance = true;

        private boolean groupInsert = true;

        private Duration orphanThreshold = DEFAULT_ORPHAN_THRESHOLD;

        private Duration doneRetention = DEFAULT_DONE_RETENTION;

        private Duration killedRetention = DEFAULT_KILLED_RETENTION;

        private Duration maintenanceInterval = DEFAULT_MAINTENANCE_INTERVAL;

        private Builder(DataSource dataSource) {
            this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        }

        /**
         * The schema of the tables; a plain SQL identifier (letters, digits, underscores, 63 at most).
         * Default {@code apalis}.
         * @throws IllegalArgumentException if it is not a plain identifier
         */
        public Builder schema(String schema) {
            this.schema = SchemaNames.of(schema).schema();
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

        /**
         * Where the listening connection comes from, when it must not come from the main data source
         * (for example a direct connection when the main one goes through a pooler in transaction
         * mode, which does not deliver notifications). Default: the main data source.
         */
        public Builder listenDataSource(DataSource dataSource) {
            this.listenDataSource = Objects.requireNonNull(dataSource, "dataSource");
            return this;
        }

        /**
         * Listens on a connection of its own opened with this JDBC URL (by {@code DriverManager}, one
         * connection at a time, opened again after a failure): the short form of
         * {@link #listenDataSource(DataSource)} for a direct, session connection to PostgreSQL beside a
         * pooler in transaction mode.
         * @param jdbcUrl a {@code jdbc:postgresql:} URL that reaches PostgreSQL directly (not through a
         * pooler in transaction mode)
         * @param username the user, or {@code null} to take it from the URL
         * @param password the password, or {@code null}
         * @throws IllegalArgumentException if the URL is not a PostgreSQL JDBC URL
         */
        public Builder listenJdbcUrl(String jdbcUrl, String username, String password) {
            Objects.requireNonNull(jdbcUrl, "jdbcUrl");
            if (!jdbcUrl.startsWith("jdbc:postgresql:")) {
                throw new IllegalArgumentException("The listening JDBC URL must start with jdbc:postgresql:, was '"
                        + jdbcUrl + "'; give the URL of a direct connection to PostgreSQL");
            }
            DriverManagerDataSource source = new DriverManagerDataSource(jdbcUrl);
            source.setUsername(username);
            source.setPassword(password);
            this.listenDataSource = source;
            return this;
        }

        /**
         * Whether this storage holds a listening connection ({@code LISTEN}) for its workers' wake-ups.
         * When {@code false}, its workers find tasks by polling at their poll interval, while its pushes
         * still send notifications (so nodes that listen still wake at once): the setting for a node
         * that reaches PostgreSQL only through a pooler in transaction mode. Default true;
         * {@link #notifications(boolean) notifications(false)} turns off both sides.
         */
        public Builder listen(boolean enabled) {
            this.listen = enabled;
            return this;
        }

        /**
         * Whether single pushes made outside a transaction are stored together with the concurrent ones
         * (a group insert: one multi-row insert and one commit for all, each caller still getting its own
         * id or error once its row is committed). Pushes inside a transaction, and single pushes with a
         * unique key, are never grouped. Turn it off to store each on the caller's thread, one insert and
         * commit per push. Default true.
         */
        public Builder groupInsert(boolean enabled) {
            this.groupInsert = enabled;
            return this;
        }

        /**
         * Whether this storage runs orphan rescue, retention and the promotion of scheduled tasks (on
         * daemon threads). Turn it off only if another storage on the same schema runs it: without a
         * promoter, tasks due more than 5 s after their push never become claimable. Default true.
         */
        public Builder maintenance(boolean enabled) {
            this.maintenance = enabled;
            return this;
        }

        /**
         * How old a worker's last heart-beat may be before its running tasks go back to the queue.
         * Keep it well above the workers' heart-beat interval (5 s by default). Default 30 s.
         */
        public Builder orphanThreshold(Duration threshold) {
            this.orphanThreshold = requirePositive(threshold, "orphan threshold", Duration.ofDays(1));
            return this;
        }

        /**
         * How long done tasks are kept. Zero keeps none: the write of a task's success deletes its row, so
         * that {@link #find} no longer knows a done task, and a drain costs the database about half as
         * much. Default 1 day.
         */
        public Builder doneRetention(Duration retention) {
            Objects.requireNonNull(retention, "done retention");
            if (retention.isNegative()) {
                throw new IllegalArgumentException("The done retention must be zero (keep no done task) or positive, was "
                        + retention);
            }
            this.doneRetention = retention.isZero() ? retention : requirePositive(retention, "done retention", MAX_RETENTION);
            return this;
        }

        /** How long killed tasks are kept. Default 7 days. */
        public Builder killedRetention(Duration retention) {
            this.killedRetention = requirePositive(retention, "killed retention", MAX_RETENTION);
            return this;
        }

        /**
         * How often retention runs, and the longest time between two orphan checks (which also run
         * every third of the orphan threshold). One node at a time runs each. Default 30 s.
         */
        public Builder maintenanceInterval(Duration interval) {
            this.maintenanceInterval = requirePositive(interval, "maintenance interval", Duration.ofDays(1));
            return this;
        }

        /**
         * Builds the storage: creates or upgrades the schema (unless disabled), then starts the
         * maintenance thread (unless disabled).
         * @return the storage
         * @throws org.springframework.dao.DataAccessException if the schema cannot be initialized
         */
        public PostgresStorage build() {
            return new PostgresStorage(this);
        }

        private static Duration requirePositive(Duration value, String what, Duration max) {
            Objects.requireNonNull(value, what);
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException("The " + what + " must be positive, was " + value);
            }
            if (value.compareTo(max) > 0) {
                throw new IllegalArgumentException("The " + what + " must be at most " + max + ", was " + value);
            }
            return value;
        }
    }
}
