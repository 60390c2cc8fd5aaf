package dev.apalis.backend.memory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;

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
import dev.apalis.backend.WorkerRegistration;
import dev.apalis.schedule.ScheduleStore;
import dev.apalis.schedule.SchedulingBackend;
import dev.apalis.task.NewTask;
import dev.apalis.task.Task;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskOptions;
import dev.apalis.task.TaskStatus;

/**
 * A {@link Backend} that keeps tasks in this JVM's memory: for tests, and for applications that
 * have no database and can afford to lose tasks. <strong>Everything is lost when the JVM stops</strong>:
 * pending tasks, retries and history. Use {@code PostgresStorage} for durable tasks.
 * <p>
 * It is otherwise a faithful backend, which passes the same conformance suite as {@code PostgresStorage}:
 * delays, priorities, persisted attempts and retry times with a bounded history of each failed
 * attempt's error ({@value #ATTEMPT_ERRORS_KEPT} kept), unique keys, attempts charged when handlers
 * start, claims guarded by heart-beats (a worker whose heart-beat is older than the orphan threshold
 * loses its tasks back to the queue; a started task at its maximum of attempts is killed; a claim a live
 * worker does not name in its heart-beats goes back as a lost reply), a pause of a queue for every worker
 * of this storage, schedules, and look-ups. Orphans are looked for at every heart-beat, and at a claim
 * when the last look is a third of the threshold old; the tasks a worker still held when it deregistered
 * come back at the next look. Finished tasks are kept for inspection up to a
 * bound ({@value #DEFAULT_FINISHED_TASKS_KEPT} by default), the oldest dropped first, and dropped once
 * past their retention (see {@link Builder}). It declares {@link BackendCapability#WAKE_UPS} and
 * {@link BackendCapability#LOST_CLAIM_RECOVERY}: it is neither durable nor shared by other processes.
 * Thread-safe: every operation takes one lock, and no operation blocks on anything else.
 * <p>
 * This class holds that lock, the wake-up listeners and the paused queues, and leaves the rest to
 * package-private parts that are only used under it: {@code MemoryTaskTable} (the tasks, the queues and
 * the unique keys), {@code MemoryClaims} (claims, starts, completions and releases), {@code MemoryLeases}
 * (heart-beats and the recovery of orphans and lost claims), {@code MemoryRetention} (finishing and
 * pruning), {@code MemoryOperators} (an operator's retry, cancel, reschedule and delete), with
 * {@code MemoryClaimLedger} and {@code MemoryQueue} under them.
 * <p>
 * (About 590 lines, not 300: one short method for each of the nearly forty methods of the four
 * interfaces, each taking the lock and calling the wake-up listeners after it, the public constants and
 * the public {@link Builder}, which must stay here; split further they would only pass the lock along.)
 */
public final class MemoryStorage implements Backend, SchedulingBackend, TaskManagement, BackendMaintenance {

    public static final int DEFAULT_FINISHED_TASKS_KEPT = 10_000;

    public static final Duration DEFAULT_ORPHAN_THRESHOLD = Duration.ofSeconds(30);

    /** How long a done task is kept at most, by default (as {@code PostgresStorage} does). */
    public static final Duration DEFAULT_DONE_RETENTION = Duration.ofDays(1);

    /** How long a killed task is kept at most, by default (as {@code PostgresStorage} does). */
    public static final Duration DEFAULT_KILLED_RETENTION = Duration.ofDays(7);

    /** A retention longer than any run of a JVM. */
    private static final Duration UNBOUNDED_RETENTION = Duration.ofDays(365L * 1000);

    /** How many failed attempts' errors a task keeps, as {@code PostgresStorage} does. */
    public static final int ATTEMPT_ERRORS_KEPT = 10;

    /** How much of an error's text the attempt history keeps. */
    static final int ATTEMPT_ERROR_LENGTH = 4000;

    private static final Set<BackendCapability> CAPABILITIES = Set.copyOf(EnumSet.of(BackendCapability.WAKE_UPS,
            BackendCapability.LOST_CLAIM_RECOVERY));

    private final Object lock = new Object();

    private final MemoryScheduleStore schedules;

    private final Clock clock;

    private final MemoryTaskTable table = new MemoryTaskTable();

    private final MemoryClaimLedger ledger = new MemoryClaimLedger();

    private final MemoryRetention retention;

    private final MemoryClaims claims;

    private final MemoryLeases leases;

    private final MemoryOperators operators;

    private final Map<String, List<Runnable>> subscribers = new HashMap<>();

    private final Set<String> pausedQueues = new TreeSet<>();

    /**
     * A storage with the system clock, a 30 s orphan threshold, 10,000 finished tasks kept, done tasks
     * kept a day and killed ones a week at most.
     */
    public MemoryStorage() {
        this(builder());
    }

    /**
     * A storage with its own settings, which keeps finished tasks up to the bound whatever their age (as
     * it did before {@link #builder()} added retention by age).
     * @param clock the clock that decides what is due
     * @param orphanThreshold how old a worker's last heart-beat may be before its tasks go back to the queue
     * @param finishedTasksKept how many done or killed tasks to keep for look-ups
     */
    public MemoryStorage(Clock clock, Duration orphanThreshold, int finishedTasksKept) {
        this(builder().clock(clock).orphanThreshold(orphanThreshold).finishedTasksKept(finishedTasksKept)
            .doneRetention(UNBOUNDED_RETENTION).killedRetention(UNBOUNDED_RETENTION));
    }

    private MemoryStorage(Builder builder) {
        this.clock = builder.clock;
        this.retention = new MemoryRetention(table, ledger, builder.finishedTasksKept, builder.doneRetention,
                builder.killedRetention);
        this.claims = new MemoryClaims(table, ledger, retention);
        this.leases = new MemoryLeases(table, ledger, retention, builder.orphanThreshold);
        this.operators = new MemoryOperators(table, retention, clock);
        this.schedules = new MemoryScheduleStore(this, clock);
    }

    /**
     * Starts a builder with the defaults of {@link #MemoryStorage()}.
     * @return a builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /** {@inheritDoc} Wake-ups and lost-claim recovery: not durable, not shared by other processes. */
    @Override
    public Set<BackendCapability> capabilities() {
        return CAPABILITIES;
    }

    /** {@inheritDoc} In memory, on this storage's clock. */
    @Override
    public ScheduleStore schedules() {
        return schedules;
    }

    // ---------------------------------------------------------------- pushing

    @Override
    public TaskId push(NewTask task) {
        return pushAll(List.of(task)).get(0);
    }

    @Override
    public List<TaskId> pushAll(List<NewTask> newTasks) {
        List<TaskId> ids = new ArrayList<>(newTasks.size());
        List<Runnable> toNotify = new ArrayList<>();
        synchronized (lock) {
            Instant now = clock.instant();
            for (NewTask newTask : newTasks) {
                TaskOptions options = newTask.options();
                String uniqueKey = MemoryTaskTable.uniqueKey(newTask.queue(), options.uniqueKey());
                if (uniqueKey != null && table.isHeld(uniqueKey)) {
                    ids.add(TaskId.parse(table.holderOf(uniqueKey)));
                    continue;
                }
                Task task = new Task(TaskId.next(), newTask.queue(), newTask.payload(), TaskStatus.PENDING, 0,
                        options.maxAttempts(), options.priority(), options.firstRunAt(now), null, options.uniqueKey(),
                        options.metadata(), now, null);
                table.put(task);
                if (uniqueKey != null) {
                    table.hold(uniqueKey, task.id());
                }
                table.queue(task.queue()).add(task, now);
                ids.add(task.id());
                toNotify.addAll(subscribers.getOrDefault(task.queue(), List.of()));
            }
        }
        toNotify.stream().distinct().forEach(Runnable::run);
        return ids;
    }

    // ---------------------------------------------------------------- workers

    @Override
    public void register(WorkerRegistration worker) {
        synchronized (lock) {
            leases.register(worker.workerId(), clock.instant());
        }
    }

    @Override
    public void heartbeat(String workerId) {
        synchronized (lock) {
            leases.heartbeat(workerId, clock.instant());
        }
    }

    /** {@inheritDoc} Recorded, so that a claim the worker never heard of goes back to the queue. */
    @Override
    public void heartbeat(String workerId, Collection<TaskId> heldTasks) {
        synchronized (lock) {
            leases.heartbeat(workerId, heldTasks, clock.instant());
        }
    }

    @Override
    public void deregister(String workerId) {
        synchronized (lock) {
            leases.deregister(workerId);
        }
    }

    /** {@inheritDoc} Runs at every heart-beat anyway. */
    @Override
    public long rescueOrphans() {
        synchronized (lock) {
            return leases.rescueOrphans(clock.instant());
        }
    }

    /** {@inheritDoc} Also done whenever a task finishes, for the tasks past their retention by then. */
    @Override
    public long pruneFinished() {
        synchronized (lock) {
            return retention.prune(clock.instant());
        }
    }

    // ---------------------------------------------------------------- claiming and completing

    @Override
    public List<Task> claim(ClaimRequest request) {
        synchronized (lock) {
            MemoryQueue state = table.queueIfAny(request.queue());
            if (state == null || request.max() <= 0 || pausedQueues.contains(request.queue())) {
                return List.of();
            }
            Instant now = clock.instant();
            leases.rescueIfDue(now);
            return claims.claim(request, state, now);
        }
    }

    @Override
    public void started(String workerId, Collection<TaskId> ids) {
        synchronized (lock) {
            claims.started(workerId, ids);
        }
    }

    @Override
    public void complete(String workerId, Collection<Completion> completions) {
        synchronized (lock) {
            claims.complete(workerId, completions, clock.instant());
        }
    }

    @Override
    public void release(String workerId, Collection<TaskId> ids) {
        List<Runnable> toNotify = new ArrayList<>();
        synchronized (lock) {
            for (String queue : claims.release(workerId, ids, clock.instant())) {
                toNotify.addAll(subscribers.getOrDefault(queue, List.of()));
            }
        }
        toNotify.stream().distinct().forEach(Runnable::run);
    }

    @Override
    public Optional<Duration> nextRunIn(String queue) {
        synchronized (lock) {
            MemoryQueue state = table.queueIfAny(queue);
            if (state == null) {
                return Optional.empty();
            }
            Instant now = clock.instant();
            state.promoteDue(now);
            return state.delayed.isEmpty() ? Optional.empty()
                    : Optional.of(Duration.between(now, state.delayed.first().runAt()));
        }
    }

    @Override
    public Optional<Duration> orphanThreshold() {
        return Optional.of(leases.orphanThreshold());
    }

    @Override
    public Subscription subscribe(String queue, Runnable listener) {
        Objects.requireNonNull(listener, "listener");
        synchronized (lock) {
            subscribers.computeIfAbsent(queue, key -> new CopyOnWriteArrayList<>()).add(listener);
        }
        return () -> {
            synchronized (lock) {
                List<Runnable> list = subscribers.get(queue);
                if (list != null) {
                    list.remove(listener);
                }
            }
        };
    }

    @Override
    public void close() {
        synchronized (lock) {
            subscribers.clear();
        }
    }

    // ---------------------------------------------------------------- operators

    @Override
    public Optional<Task> find(TaskId id) {
        synchronized (lock) {
            return Optional.ofNullable(table.get(id));
        }
    }

    @Override
    public List<QueueCount> countByQueueAndStatus() {
        synchronized (lock) {
            return table.counts();
        }
    }

    @Override
    public Optional<Instant> oldestDueAt(String queue) {
        synchronized (lock) {
            MemoryQueue state = table.queueIfAny(queue);
            if (state == null) {
                return Optional.empty();
            }
            state.promoteDue(clock.instant());
            return state.ready.stream().map(Task::runAt).min(Comparator.naturalOrder());
        }
    }

    /** {@inheritDoc} Always answers: the tasks are in this JVM. */
    @Override
    public void ping() {
    }

    /** {@inheritDoc} A failed task keeps its attempts; a killed one starts again with none. */
    @Override
    public boolean retry(TaskId id) {
        List<Runnable> toNotify;
        synchronized (lock) {
            Task retried = operators.retry(id);
            if (retried == null) {
                return false;
            }
            toNotify = List.copyOf(subscribers.getOrDefault(retried.queue(), List.of()));
        }
        toNotify.forEach(Runnable::run);
        return true;
    }

    @Override
    public boolean cancel(TaskId id) {
        synchronized (lock) {
            return operators.cancel(id);
        }
    }

    @Override
    public Optional<TaskDetails> details(TaskId id) {
        synchronized (lock) {
            Task task = table.get(id);
            if (task == null) {
                return Optional.empty();
            }
            return Optional.of(new TaskDetails(task, task.maxAttempts(), table.attemptErrors(id),
                    TaskDetails.errorOf(task.status(), task.lastError())));
        }
    }

    @Override
    public TaskPage list(String queue, TaskStatus status, TaskCursor after, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be 1 or more, was " + limit);
        }
        List<Task> page;
        synchronized (lock) {
            page = table.page(queue, status, after, limit);
        }
        if (page.size() <= limit) {
            return new TaskPage(page, null);
        }
        Task last = page.get(limit - 1);
        return new TaskPage(page.subList(0, limit), new TaskCursor(last.createdAt(), last.id()));
    }

    @Override
    public List<Task> findByUniqueKey(String queue, String uniqueKey, int limit) {
        Objects.requireNonNull(uniqueKey, "uniqueKey");
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be 1 or more, was " + limit);
        }
        synchronized (lock) {
            return table.withUniqueKey(queue, uniqueKey, limit);
        }
    }

    @Override
    public boolean delete(TaskId id) {
        synchronized (lock) {
            return operators.delete(id);
        }
    }

    @Override
    public boolean reschedule(TaskId id, Instant runAt) {
        Objects.requireNonNull(runAt, "runAt");
        List<Runnable> toNotify;
        synchronized (lock) {
            Task moved = operators.reschedule(id, runAt);
            if (moved == null) {
                return false;
            }
            toNotify = List.copyOf(subscribers.getOrDefault(moved.queue(), List.of()));
        }
        toNotify.forEach(Runnable::run);
        return true;
    }

    @Override
    public long cancelAll(String queue, TaskStatus status) {
        TaskManagement.requireStatus(status, "cancelAll", TaskStatus.PENDING, TaskStatus.FAILED);
        return ids(queue, status).stream().filter(this::cancel).count();
    }

    @Override
    public long retryAll(String queue, TaskStatus status) {
        TaskManagement.requireStatus(status, "retryAll", TaskStatus.FAILED, TaskStatus.KILLED);
        return ids(queue, status).stream().filter(this::retry).count();
    }

    @Override
    public long deleteAll(String queue, TaskStatus status) {
        TaskManagement.requireStatus(status, "deleteAll", TaskStatus.DONE, TaskStatus.KILLED);
        return ids(queue, status).stream().filter(this::delete).count();
    }

    /** {@inheritDoc} Every worker of this JVM that uses this storage. */
    @Override
    public boolean pause(String queue, String by) {
        Objects.requireNonNull(queue, "queue");
        synchronized (lock) {
            return pausedQueues.add(queue);
        }
    }

    @Override
    public boolean resume(String queue, String by) {
        Objects.requireNonNull(queue, "queue");
        List<Runnable> toNotify;
        synchronized (lock) {
            if (!pausedQueues.remove(queue)) {
                return false;
            }
            toNotify = List.copyOf(subscribers.getOrDefault(queue, List.of()));
        }
        toNotify.forEach(Runnable::run);
        return true;
    }

    @Override
    public Set<String> pausedQueues() {
        synchronized (lock) {
            return Set.copyOf(pausedQueues);
        }
    }

    private List<TaskId> ids(String queue, TaskStatus status) {
        synchronized (lock) {
            return table.ids(queue, status);
        }
    }

    /**
     * Builds a {@link MemoryStorage}; every setting has the default of {@link MemoryStorage#MemoryStorage()}.
     */
    public static final class Builder {

        private Clock clock = Clock.systemUTC();

        private Duration orphanThreshold = DEFAULT_ORPHAN_THRESHOLD;

        private int finishedTasksKept = DEFAULT_FINISHED_TASKS_KEPT;

        private Duration doneRetention = DEFAULT_DONE_RETENTION;

        private Duration killedRetention = DEFAULT_KILLED_RETENTION;

        private Builder() {
        }

        /**
         * The clock that decides what is due and when heart-beats and retention expire.
         * @param clock the clock
         * @return this builder
         */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * How old a worker's last heart-beat may be before its tasks go back to the queue.
         * @param threshold a positive duration
         * @return this builder
         */
        public Builder orphanThreshold(Duration threshold) {
            this.orphanThreshold = positive(threshold, "orphanThreshold");
            return this;
        }

        /**
         * How many done or killed tasks to keep for look-ups at most; the oldest finished are dropped first.
         * @param kept 0 or more
         * @return this builder
         */
        public Builder finishedTasksKept(int kept) {
            if (kept < 0) {
                throw new IllegalArgumentException("finishedTasksKept must be 0 or more, was " + kept);
            }
            this.finishedTasksKept = kept;
            return this;
        }

        /**
         * How long a done task is kept after it finished; zero keeps none (it is gone once its success is
         * recorded).
         * @param retention zero or a positive duration
         * @return this builder
         */
        public Builder doneRetention(Duration retention) {
            Objects.requireNonNull(retention, "doneRetention");
            if (retention.isNegative()) {
                throw new IllegalArgumentException("doneRetention must be zero (keep no done task) or positive, was "
                        + retention);
            }
            this.doneRetention = retention;
            return this;
        }

        /**
         * How long a killed task is kept after it finished.
         * @param retention a positive duration
         * @return this builder
         */
        public Builder killedRetention(Duration retention) {
            this.killedRetention = positive(retention, "killedRetention");
            return this;
        }

        /**
         * Builds the storage.
         * @return a new, empty storage
         */
        public MemoryStorage build() {
            return new MemoryStorage(this);
        }

        private static Duration positive(Duration value, String name) {
            Objects.requireNonNull(value, name);
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, was " + value);
            }
            return value;
        }
    }
}
