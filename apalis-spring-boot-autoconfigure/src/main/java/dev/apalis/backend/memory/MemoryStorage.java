package dev.apalis.backend.memory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Deque;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.apalis.backend.AttemptError;
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

    private static final Comparator<Task> CLAIM_ORDER = Comparator.comparingInt(Task::priority)
        .thenComparing(Task::runAt)
        .thenComparing(Task::id);

    /** Listings: newest first, then by id descending. */
    private static final Comparator<Task> NEWEST_FIRST = Comparator.comparing(Task::createdAt)
        .thenComparing(Task::id)
        .reversed();

    private static final Comparator<Task> RUN_AT_ORDER = Comparator.comparing(Task::runAt).thenComparing(Task::id);

    private final Object lock = new Object();

    private final MemoryScheduleStore schedules;

    private final Clock clock;

    private final Duration orphanThreshold;

    private final int finishedTasksKept;

    private final Duration doneRetention;

    private final Duration killedRetention;

    private final Map<TaskId, Task> tasks = new HashMap<>();

    private final Map<TaskId, String> owners = new HashMap<>();

    /** Claimed tasks whose attempt is charged (started, or charged by their claim). */
    private final Set<TaskId> charged = new HashSet<>();

    /** How often a task was rescued from a dead worker before its start was recorded. */
    private final Map<TaskId, Integer> unstartedRescues = new HashMap<>();

    private final Map<String, QueueState> queues = new HashMap<>();

    private final Map<String, String> uniqueKeys = new HashMap<>();

    private final Map<String, Instant> heartbeats = new HashMap<>();

    private final Deque<TaskId> finished = new ArrayDeque<>();

    private final Map<String, List<Runnable>> subscribers = new HashMap<>();

    private final Set<String> pausedQueues = new TreeSet<>();

    /** The errors of each task's failed attempts, oldest first, at most {@link #ATTEMPT_ERRORS_KEPT}. */
    private final Map<TaskId, Deque<AttemptError>> attemptErrors = new HashMap<>();

    /** When each claimed task was claimed. */
    private final Map<TaskId, Instant> claimedAt = new HashMap<>();

    /** What each worker named as held at its last heart-beat; absent while it did not say. */
    private final Map<String, Set<TaskId>> held = new HashMap<>();

    /** Workers that deregistered while holding tasks: those are orphans at once. */
    private final Set<String> deregistered = new HashSet<>();

    private Instant lastRescue = Instant.MIN;

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
        this.orphanThreshold = builder.orphanThreshold;
        this.finishedTasksKept = builder.finishedTasksKept;
        this.doneRetention = builder.doneRetention;
        this.killedRetention = builder.killedRetention;
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
                String uniqueKey = (options.uniqueKey() != null) ? newTask.queue() + "\u0000" + options.uniqueKey() : null;
                if (uniqueKey != null && uniqueKeys.containsKey(uniqueKey)) {
                    ids.add(TaskId.parse(uniqueKeys.get(uniqueKey)));
                    continue;
                }
                Task task = new Task(TaskId.next(), newTask.queue(), newTask.payload(), TaskStatus.PENDING, 0,
                        options.maxAttempts(), options.priority(), options.firstRunAt(now), null, options.uniqueKey(),
                        options.metadata(), now, null);
                tasks.put(task.id(), task);
                if (uniqueKey != null) {
                    uniqueKeys.put(uniqueKey, task.id().toString());
                }
                queue(task.queue()).add(task, now);
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
            heartbeats.put(worker.workerId(), clock.instant());
        }
    }

    @Override
    public void heartbeat(String workerId) {
        synchronized (lock) {
            Instant now = clock.instant();
            heartbeats.put(workerId, now);
            held.remove(workerId);
            rescueOrphans(now);
        }
    }

    /** {@inheritDoc} Recorded, so that a claim the worker never heard of goes back to the queue. */
    @Override
    public void heartbeat(String workerId, Collection<TaskId> heldTasks) {
        synchronized (lock) {
            Instant now = clock.instant();
            heartbeats.put(workerId, now);
            held.put(workerId, Set.copyOf(heldTasks));
            rescueOrphans(now);
        }
    }

    @Override
    public void deregister(String workerId) {
        synchronized (lock) {
            heartbeats.remove(workerId);
            held.remove(workerId);
            if (owners.containsValue(workerId)) {
                deregistered.add(workerId);
            }
        }
    }

    /** {@inheritDoc} Runs at every heart-beat anyway. */
    @Override
    public long rescueOrphans() {
        synchronized (lock) {
            return rescueOrphans(clock.instant());
        }
    }

    /** {@inheritDoc} Also done whenever a task finishes, for the tasks past their retention by then. */
    @Override
    public long pruneFinished() {
        synchronized (lock) {
            return prune(clock.instant());
        }
    }

    private long rescueOrphans(Instant now) {
        lastRescue = now;
        Instant staleBefore = now.minus(orphanThreshold);
        List<TaskId> orphans = new ArrayList<>();
        List<TaskId> lostClaims = new ArrayList<>();
        owners.forEach((id, owner) -> {
            Instant last = heartbeats.get(owner);
            Instant claimed = claimedAt.get(id);
            if (deregistered.contains(owner)) {
                orphans.add(id);
                return;
            }
            if (!claimed.isBefore(staleBefore)) {
                return; // claimed within the threshold: not an orphan yet, as in PostgresStorage
            }
            if (last == null || last.isBefore(staleBefore)) {
                orphans.add(id);
            }
            else if (held.containsKey(owner) && !held.get(owner).contains(id)
                    && last.isAfter(claimed.plus(orphanThreshold.dividedBy(2)))) {
                lostClaims.add(id);
            }
        });
        for (TaskId id : lostClaims) {
            Task task = tasks.get(id);
            owners.remove(id);
            claimedAt.remove(id);
            int attempts = charged.remove(id) ? Math.max(0, task.attempts() - 1) : task.attempts();
            putBack(task, attempts, task.lastError(), now);
        }
        for (TaskId id : orphans) {
            Task task = tasks.get(id);
            String owner = owners.remove(id);
            claimedAt.remove(id);
            if (!charged.remove(id)) {
                unstartedRescues.merge(id, 1, Integer::sum);
                putBack(task, task.attempts(), task.lastError(), now);
                continue;
            }
            recordAttemptError(id, task.attempts(), now,
                    "Interrupted: worker " + owner + " stopped heart-beating during this attempt");
            if (task.maxAttempts() > 0 && task.attempts() >= task.maxAttempts()) {
                finish(task, TaskStatus.KILLED, "Gave up after " + task.attempts() + " attempts: its worker " + owner
                        + " stopped heart-beating during the last one", now);
            }
            else {
                putBack(task, task.attempts(), "Interrupted: worker " + owner + " stopped heart-beating during attempt "
                        + task.attempts() + "; the task was put back in the queue", now);
            }
        }
        deregistered.retainAll(owners.values());
        return orphans.size() + lostClaims.size();
    }

    private void recordAttemptError(TaskId id, int attempt, Instant at, String error) {
        String text = (error != null) ? error : "(no message)";
        if (text.length() > ATTEMPT_ERROR_LENGTH) {
            text = text.substring(0, ATTEMPT_ERROR_LENGTH);
        }
        Deque<AttemptError> history = attemptErrors.computeIfAbsent(id, key -> new ArrayDeque<>());
        if (history.size() >= ATTEMPT_ERRORS_KEPT) {
            history.pollFirst();
        }
        history.addLast(new AttemptError(attempt, at, text));
    }

    private void putBack(Task task, int attempts, String lastError, Instant now) {
        Task pending = new Task(task.id(), task.queue(), task.payload(), TaskStatus.PENDING, attempts,
                task.maxAttempts(), task.priority(), now, lastError, task.uniqueKey(), task.metadata(),
                task.createdAt(), null);
        tasks.put(task.id(), pending);
        queue(task.queue()).add(pending, now);
    }

    // ---------------------------------------------------------------- claiming and completing

    @Override
    public List<Task> claim(ClaimRequest request) {
        synchronized (lock) {
            QueueState state = queues.get(request.queue());
            int max = request.max();
            if (state == null || max <= 0 || pausedQueues.contains(request.queue())) {
                return List.of();
            }
            Instant now = clock.instant();
            if (!lastRescue.isAfter(now.minus(orphanThreshold.dividedBy(3)))) {
                rescueOrphans(now);
            }
            state.promoteDue(now);
            List<Task> claimed = new ArrayList<>(Math.min(max, state.ready.size()));
            while (claimed.size() < max && !state.ready.isEmpty()) {
                Task task = state.ready.pollFirst();
                boolean charge = claimed.size() < request.startingNow() || unstartedRescues.containsKey(task.id());
                int maxAttempts = (task.maxAttempts() == 0) ? request.maxAttempts() : task.maxAttempts();
                Task running = new Task(task.id(), task.queue(), task.payload(), TaskStatus.RUNNING,
                        task.attempts() + (charge ? 1 : 0), maxAttempts, task.priority(), task.runAt(), task.lastError(),
                        task.uniqueKey(), task.metadata(), task.createdAt(), null);
                tasks.put(task.id(), running);
                owners.put(task.id(), request.workerId());
                claimedAt.put(task.id(), now);
                if (charge) {
                    charged.add(task.id());
                    claimed.add(running);
                }
                else {
                    claimed.add(withAttempts(running, running.attempts() + 1));
                }
            }
            return claimed;
        }
    }

    @Override
    public void started(String workerId, Collection<TaskId> ids) {
        synchronized (lock) {
            for (TaskId id : ids) {
                if (workerId.equals(owners.get(id)) && charged.add(id)) {
                    tasks.put(id, withAttempts(tasks.get(id), tasks.get(id).attempts() + 1));
                }
            }
        }
    }

    /** Charges a completed task's attempt if its start was not recorded; forgets its charge either way. */
    private Task charge(Task task) {
        return charged.remove(task.id()) ? task : withAttempts(task, task.attempts() + 1);
    }

    private static Task withAttempts(Task task, int attempts) {
        return new Task(task.id(), task.queue(), task.payload(), task.status(), attempts, task.maxAttempts(),
                task.priority(), task.runAt(), task.lastError(), task.uniqueKey(), task.metadata(), task.createdAt(),
                task.finishedAt());
    }

    @Override
    public void complete(String workerId, Collection<Completion> completions) {
        synchronized (lock) {
            Instant now = clock.instant();
            for (Completion completion : completions) {
                TaskId id = completion.taskId();
                if (!workerId.equals(owners.get(id))) {
                    continue;
                }
                owners.remove(id);
                claimedAt.remove(id);
                if (completion instanceof Completion.Interrupted interrupted) {
                    Task task = tasks.get(id);
                    int attempts = charged.remove(id) ? Math.max(0, task.attempts() - 1) : task.attempts();
                    putBack(task, attempts, interrupted.reason(), now);
                    continue;
                }
                Task task = charge(tasks.get(id));
                if (completion instanceof Completion.Done) {
                    finish(task, TaskStatus.DONE, null, now);
                }
                else if (completion instanceof Completion.Kill kill) {
                    recordAttemptError(id, task.attempts(), now, kill.error());
                    finish(task, TaskStatus.KILLED, kill.error(), now);
                }
                else if (completion instanceof Completion.Retry retry) {
                    recordAttemptError(id, task.attempts(), now, retry.error());
                    Task failed = new Task(id, task.queue(), task.payload(), TaskStatus.FAILED, task.attempts(),
                            task.maxAttempts(), task.priority(), now.plus(retry.delay()), retry.error(),
                            task.uniqueKey(), task.metadata(), task.createdAt(), null);
                    tasks.put(id, failed);
                    queue(task.queue()).add(failed, now);
                }
            }
        }
    }

    @Override
    public void release(String workerId, Collection<TaskId> ids) {
        List<Runnable> toNotify = new ArrayList<>();
        synchronized (lock) {
            Instant now = clock.instant();
            for (TaskId id : ids) {
                if (!workerId.equals(owners.get(id))) {
                    continue;
                }
                owners.remove(id);
                claimedAt.remove(id);
                Task task = tasks.get(id);
                int attempts = charged.remove(id) ? Math.max(0, task.attempts() - 1) : task.attempts();
                Task pending = new Task(id, task.queue(), task.payload(), TaskStatus.PENDING,
                        attempts, task.maxAttempts(), task.priority(), task.runAt(),
                        task.lastError(), task.uniqueKey(), task.metadata(), task.createdAt(), null);
                tasks.put(id, pending);
                queue(task.queue()).add(pending, now);
                toNotify.addAll(subscribers.getOrDefault(task.queue(), List.of()));
            }
        }
        toNotify.stream().distinct().forEach(Runnable::run);
    }

    @Override
    public Optional<Duration> nextRunIn(String queue) {
        synchronized (lock) {
            QueueState state = queues.get(queue);
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
        return Optional.of(orphanThreshold);
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
            return Optional.ofNullable(tasks.get(id));
        }
    }

    @Override
    public List<QueueCount> countByQueueAndStatus() {
        synchronized (lock) {
            Map<String, Map<TaskStatus, Long>> counts = new TreeMap<>();
            for (Task task : tasks.values()) {
                counts.computeIfAbsent(task.queue(), key -> new TreeMap<>()).merge(task.status(), 1L, Long::sum);
            }
            List<QueueCount> result = new ArrayList<>();
            counts.forEach((queue, byStatus) -> byStatus
                .forEach((status, count) -> result.add(new QueueCount(queue, status, count))));
            return result;
        }
    }

    @Override
    public Optional<Instant> oldestDueAt(String queue) {
        synchronized (lock) {
            QueueState state = queues.get(queue);
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
            Task task = tasks.get(id);
            if (task == null || (task.status() != TaskStatus.KILLED && task.status() != TaskStatus.FAILED)) {
                return false;
            }
            Instant now = clock.instant();
            boolean killed = task.status() == TaskStatus.KILLED;
            String uniqueKey = (task.uniqueKey() != null) ? task.queue() + "\u0000" + task.uniqueKey() : null;
            if (killed && uniqueKey != null && uniqueKeys.containsKey(uniqueKey)) {
                return false;
            }
            if (killed) {
                finished.remove(id);
            }
            else {
                queue(task.queue()).remove(task);
            }
            Task pending = new Task(id, task.queue(), task.payload(), TaskStatus.PENDING, killed ? 0 : task.attempts(),
                    task.maxAttempts(), task.priority(), now, task.lastError(), task.uniqueKey(), task.metadata(),
                    task.createdAt(), null);
            tasks.put(id, pending);
            if (killed && uniqueKey != null) {
                uniqueKeys.put(uniqueKey, id.toString());
            }
            queue(task.queue()).add(pending, now);
            toNotify = List.copyOf(subscribers.getOrDefault(task.queue(), List.of()));
        }
        toNotify.forEach(Runnable::run);
        return true;
    }

    @Override
    public boolean cancel(TaskId id) {
        synchronized (lock) {
            Task task = tasks.get(id);
            if (task == null || !isWaiting(task)) {
                return false;
            }
            queue(task.queue()).remove(task);
            finish(task, TaskStatus.KILLED, "Cancelled by an operator", clock.instant());
            return true;
        }
    }

    @Override
    public Optional<TaskDetails> details(TaskId id) {
        synchronized (lock) {
            Task task = tasks.get(id);
            if (task == null) {
                return Optional.empty();
            }
            List<AttemptError> errors = List.copyOf(attemptErrors.getOrDefault(id, new ArrayDeque<>()));
            return Optional.of(new TaskDetails(task, task.maxAttempts(), errors,
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
            page = tasks.values()
                .stream()
                .filter((task) -> task.queue().equals(queue) && task.status() == status)
                .filter((task) -> after == null || NEWEST_FIRST.compare(task, cursorTask(after)) > 0)
                .sorted(NEWEST_FIRST)
                .limit(limit + 1L)
                .toList();
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
            return tasks.values()
                .stream()
                .filter((task) -> uniqueKey.equals(task.uniqueKey()) && (queue == null || task.queue().equals(queue)))
                .sorted(NEWEST_FIRST)
                .limit(limit)
                .toList();
        }
    }

    @Override
    public boolean delete(TaskId id) {
        synchronized (lock) {
            Task task = tasks.get(id);
            if (task == null || !task.status().isFinished()) {
                return false;
            }
            forget(id);
            finished.remove(id);
            return true;
        }
    }

    @Override
    public boolean reschedule(TaskId id, Instant runAt) {
        Objects.requireNonNull(runAt, "runAt");
        List<Runnable> toNotify;
        synchronized (lock) {
            Task task = tasks.get(id);
            if (task == null || !isWaiting(task)) {
                return false;
            }
            queue(task.queue()).remove(task);
            Task moved = new Task(id, task.queue(), task.payload(), task.status(), task.attempts(), task.maxAttempts(),
                    task.priority(), runAt, task.lastError(), task.uniqueKey(), task.metadata(), task.createdAt(), null);
            tasks.put(id, moved);
            queue(task.queue()).add(moved, clock.instant());
            toNotify = List.copyOf(subscribers.getOrDefault(task.queue(), List.of()));
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
            return tasks.values()
                .stream()
                .filter((task) -> task.queue().equals(queue) && task.status() == status)
                .map(Task::id)
                .toList();
        }
    }

    private static boolean isWaiting(Task task) {
        return task.status() == TaskStatus.PENDING || task.status() == TaskStatus.FAILED;
    }

    private static Task cursorTask(TaskCursor cursor) {
        return new Task(cursor.id(), "", "", TaskStatus.PENDING, 0, 0, 0, cursor.createdAt(), null, null, null,
                cursor.createdAt(), null);
    }

    // ---------------------------------------------------------------- internals

    private void finish(Task task, TaskStatus status, String error, Instant now) {
        Task done = new Task(task.id(), task.queue(), task.payload(), status, task.attempts(), task.maxAttempts(),
                task.priority(), task.runAt(), error, task.uniqueKey(), task.metadata(), task.createdAt(), now);
        tasks.put(task.id(), done);
        unstartedRescues.remove(task.id());
        charged.remove(task.id());
        if (task.uniqueKey() != null) {
            uniqueKeys.remove(task.queue() + "\u0000" + task.uniqueKey(), task.id().toString());
        }
        finished.addLast(task.id());
        while (finished.size() > finishedTasksKept) {
            forget(finished.pollFirst());
        }
        prune(now);
    }

    /**
     * Drops the finished tasks past their retention: the oldest finished come first, so it stops at the
     * first one still kept by both retentions.
     */
    private long prune(Instant now) {
        long pruned = 0;
        for (java.util.Iterator<TaskId> it = finished.iterator(); it.hasNext();) {
            Task task = tasks.get(it.next());
            Instant finishedAt = (task != null) ? task.finishedAt() : null;
            if (finishedAt == null) {
                it.remove();
                continue;
            }
            Duration retention = (task.status() == TaskStatus.DONE) ? doneRetention : killedRetention;
            if (!finishedAt.plus(retention).isBefore(now)) {
                if (finishedAt.plus(shorterRetention()).isBefore(now)) {
                    continue;
                }
                break;
            }
            it.remove();
            forget(task.id());
            pruned++;
        }
        return pruned;
    }

    private Duration shorterRetention() {
        return (doneRetention.compareTo(killedRetention) < 0) ? doneRetention : killedRetention;
    }

    private void forget(TaskId id) {
        tasks.remove(id);
        attemptErrors.remove(id);
        unstartedRescues.remove(id);
    }

    private QueueState queue(String name) {
        return queues.computeIfAbsent(name, key -> new QueueState());
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
         * How long a done task is kept after it finished.
         * @param retention a positive duration
         * @return this builder
         */
        public Builder doneRetention(Duration retention) {
            this.doneRetention = positive(retention, "doneRetention");
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

    /** The waiting tasks of one queue: those due, in claim order, and those waiting for their run time. */
    private static final class QueueState {

        final TreeSet<Task> ready = new TreeSet<>(CLAIM_ORDER);

        final TreeSet<Task> delayed = new TreeSet<>(RUN_AT_ORDER);

        void add(Task task, Instant now) {
            if (task.runAt().isAfter(now)) {
                delayed.add(task);
            }
            else {
                ready.add(task);
            }
        }

        void remove(Task task) {
            ready.remove(task);
            delayed.remove(task);
        }

        void promoteDue(Instant now) {
            while (!delayed.isEmpty() && !delayed.first().runAt().isAfter(now)) {
                ready.add(delayed.pollFirst());
            }
        }
    }
}
