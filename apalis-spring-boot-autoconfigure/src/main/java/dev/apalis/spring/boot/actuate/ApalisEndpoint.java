package dev.apalis.spring.boot.actuate;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

import org.springframework.boot.actuate.endpoint.Access;
import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.actuate.endpoint.OperationResponseBody;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;

import dev.apalis.backend.Backend;
import dev.apalis.backend.QueueCount;
import dev.apalis.spring.WorkerActivity;
import dev.apalis.spring.WorkerStatus;
import dev.apalis.spring.Workers;
import dev.apalis.task.Task;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskStatus;
import dev.apalis.worker.WorkerContext;

/**
 * The {@code apalis} Actuator endpoint: the workers and queues, one worker or task, and operations to
 * pause or resume a worker, retry a killed task and cancel a waiting one.
 * <ul>
 * <li>{@code GET /actuator/apalis}: workers and queues;</li>
 * <li>{@code GET /actuator/apalis/workers}, {@code GET /actuator/apalis/queues}: one of the two;</li>
 * <li>{@code GET /actuator/apalis/workers/{name}}, {@code GET /actuator/apalis/tasks/{id}}: one worker
 * or task (404 when unknown);</li>
 * <li>{@code POST /actuator/apalis/workers/{name}} with {@code {"action": "pause"}} or
 * {@code "resume"}; {@code POST /actuator/apalis/tasks/{id}} with {@code {"action": "retry"}} or
 * {@code "cancel"}.</li>
 * <li>{@code GET /actuator/apalis/schedules}, {@code GET /actuator/apalis/schedules/{name}}: the
 * schedules or one of them; {@code POST /actuator/apalis/schedules/{name}} with {@code {"action":
 * "pause"}}, {@code "resume"} or {@code "trigger"}.</li>
 * </ul>
 * Its default access is {@link Access#READ_ONLY}: the write operations are there only when
 * {@code management.endpoint.apalis.access=unrestricted}, and over HTTP only when the endpoint is
 * exposed ({@code management.endpoints.web.exposure.include}). Reading the queues runs one count
 * query and one cheap query per queue with waiting tasks.
 */
@Endpoint(id = "apalis", defaultAccess = Access.READ_ONLY)
public class ApalisEndpoint {

    static final String WORKERS = "workers";

    static final String QUEUES = "queues";

    static final String TASKS = "tasks";

    static final String SCHEDULES = "schedules";

    private final Backend backend;

    private final Workers workers;

    private final WorkerActivity activity;

    private final ScheduleOperations schedules;

    /**
     * Creates the endpoint.
     * @param backend the backend whose tasks and queues it reads and corrects
     * @param workers the application's workers, to pause and resume
     * @param activity where the workers' states and counts come from
     */
    public ApalisEndpoint(Backend backend, Workers workers, WorkerActivity activity) {
        this.backend = Objects.requireNonNull(backend, "backend");
        this.workers = Objects.requireNonNull(workers, "workers");
        this.activity = Objects.requireNonNull(activity, "activity");
        this.schedules = new ScheduleOperations(backend);
    }

    /**
     * Every worker and every queue.
     * @return the workers and queues
     */
    @ReadOperation
    public ApalisDescriptor apalis() {
        return new ApalisDescriptor(workers(), queues());
    }

    /**
     * The workers or the queues.
     * @param section {@code workers} or {@code queues}
     * @return them, or {@code null} for another section
     */
    @ReadOperation
    public Object section(@Selector String section) {
        if (WORKERS.equals(section)) {
            return new WorkersDescriptor(workers());
        }
        if (QUEUES.equals(section)) {
            return new QueuesDescriptor(queues());
        }
        if (SCHEDULES.equals(section)) {
            return this.schedules.list();
        }
        return null;
    }

    /**
     * One worker or one task.
     * @param section {@code workers} or {@code tasks}
     * @param name the worker's name or the task's id
     * @return it, or {@code null} when unknown
     */
    @ReadOperation
    public Object item(@Selector String section, @Selector String name) {
        if (WORKERS.equals(section)) {
            return worker(name);
        }
        if (TASKS.equals(section)) {
            return task(name);
        }
        if (SCHEDULES.equals(section)) {
            return this.schedules.find(name);
        }
        return null;
    }

    /**
     * Pauses or resumes a worker, or retries or cancels a task.
     * @param section {@code workers} or {@code tasks}
     * @param name the worker's name or the task's id
     * @param action {@code pause} or {@code resume} for a worker, {@code retry} or {@code cancel} for a task
     * @return what was done and the worker or task as it is now, or {@code null} when unknown
     * @throws InvalidEndpointRequestException (400 over HTTP) for an unknown action
     */
    @WriteOperation
    public ActionDescriptor act(@Selector String section, @Selector String name, String action) {
        if (WORKERS.equals(section)) {
            return workerAction(name, action);
        }
        if (TASKS.equals(section)) {
            return taskAction(name, action);
        }
        if (SCHEDULES.equals(section)) {
            return this.schedules.act(name, action, this);
        }
        return null;
    }

    /**
     * One worker.
     * @param name its name
     * @return it, or {@code null} when no handler defines it
     */
    public WorkerDescriptor worker(String name) {
        return this.activity.status(name).map(WorkerDescriptor::of).orElse(null);
    }

    /**
     * One task (its payload and metadata are left out).
     * @param id its id
     * @return it, or {@code null} when unknown (or not a task id)
     */
    public TaskDescriptor task(String id) {
        return taskId(id).flatMap(this.backend::find).map(TaskDescriptor::of).orElse(null);
    }

    /**
     * Pauses or resumes a worker.
     * @param name the worker's name
     * @param action {@code pause} or {@code resume}
     * @return what was done and the worker as it is now ({@code applied} false when it does not run),
     * or {@code null} when no handler defines it
     * @throws InvalidEndpointRequestException for another action
     */
    public ActionDescriptor workerAction(String name, String action) {
        String verb = lower(action);
        if (!"pause".equals(verb) && !"resume".equals(verb)) {
            throw new InvalidEndpointRequestException("Unknown worker action '" + action + "': use pause or resume",
                    "Unknown worker action; use pause or resume");
        }
        if (this.workers.definition(name).isEmpty()) {
            return null;
        }
        WorkerContext context = this.workers.find(name).orElse(null);
        if (context == null || !context.isRunning()) {
            return new ActionDescriptor(verb, false, "Worker '" + name + "' does not run: nothing to " + verb,
                    worker(name), null);
        }
        boolean pause = "pause".equals(verb);
        if (pause) {
            context.pause();
        }
        else {
            context.resume();
        }
        if (context.isPaused() != pause) {
            return new ActionDescriptor(verb, false, "Worker '" + name + "' is stopping: nothing to " + verb,
                    worker(name), null);
        }
        String message = "Worker '" + name + "' is "
                + (pause ? "paused: it claims nothing until resumed" : "running: it claims tasks");
        return new ActionDescriptor(verb, true, message, worker(name), null);
    }

    /**
     * Retries a killed task or cancels a waiting one.
     * @param id the task's id
     * @param action {@code retry} or {@code cancel}
     * @return what was done and the task as it is now ({@code applied} false when its status does not
     * allow it), or {@code null} when unknown
     * @throws InvalidEndpointRequestException for another action
     */
    public ActionDescriptor taskAction(String id, String action) {
        String verb = lower(action);
        if (!"retry".equals(verb) && !"cancel".equals(verb)) {
            throw new InvalidEndpointRequestException("Unknown task action '" + action + "': use retry or cancel",
                    "Unknown task action; use retry or cancel");
        }
        Optional<TaskId> taskId = taskId(id);
        if (taskId.isEmpty() || this.backend.find(taskId.get()).isEmpty()) {
            return null;
        }
        boolean applied = "retry".equals(verb) ? this.backend.retry(taskId.get()) : this.backend.cancel(taskId.get());
        TaskDescriptor task = task(id);
        String message;
        if ("retry".equals(verb)) {
            message = applied ? "Task " + id + " is pending again, its attempts reset"
                    : "Task " + id + " was not retried: only a killed task can be, and only while no unfinished task "
                            + "holds its unique key";
        }
        else {
            message = applied ? "Task " + id + " is cancelled (killed): it will not run"
                    : "Task " + id + " was not cancelled: only a pending or failed task can be";
        }
        return new ActionDescriptor(verb, applied, message, null, task);
    }

    private List<WorkerDescriptor> workers() {
        return this.activity.statuses().stream().map(WorkerDescriptor::of).toList();
    }

    private Map<String, QueueDescriptor> queues() {
        Map<String, Map<TaskStatus, Long>> counts = new TreeMap<>();
        for (QueueCount count : this.backend.countByQueueAndStatus()) {
            counts.computeIfAbsent(count.queue(), (queue) -> new TreeMap<>()).put(count.status(), count.count());
        }
        Instant now = Instant.now();
        Map<String, QueueDescriptor> queues = new TreeMap<>();
        counts.forEach((queue, byStatus) -> {
            Map<String, Long> all = new LinkedHashMap<>();
            for (TaskStatus status : TaskStatus.values()) {
                all.put(status.name(), byStatus.getOrDefault(status, 0L));
            }
            boolean waiting = byStatus.containsKey(TaskStatus.PENDING) || byStatus.containsKey(TaskStatus.FAILED);
            Instant oldestDue = waiting ? this.backend.oldestDueAt(queue).orElse(null) : null;
            Double age = (oldestDue != null) ? Math.max(0, Duration.between(oldestDue, now).toMillis()) / 1000.0 : null;
            queues.put(queue, new QueueDescriptor(all, oldestDue, age));
        });
        return queues;
    }

    private static Optional<TaskId> taskId(String id) {
        try {
            return Optional.of(TaskId.parse(id));
        }
        catch (IllegalArgumentException ex) {
            return Optional.empty();
        }
    }

    private static String lower(String action) {
        return (action != null) ? action.trim().toLowerCase(Locale.ROOT) : "";
    }

    /**
     * Every worker and queue.
     * @param workers the workers, by name
     * @param queues the queues with tasks, by name
     */
    public record ApalisDescriptor(List<WorkerDescriptor> workers, Map<String, QueueDescriptor> queues)
            implements OperationResponseBody {
    }

    /**
     * The workers.
     * @param workers the workers, by name
     */
    public record WorkersDescriptor(List<WorkerDescriptor> workers) implements OperationResponseBody {
    }

    /**
     * The queues.
     * @param queues the queues with tasks, by name
     */
    public record QueuesDescriptor(Map<String, QueueDescriptor> queues) implements OperationResponseBody {
    }

    /**
     * One worker.
     * @param name its name
     * @param queue the queue it consumes
     * @param state {@code RUNNING}, {@code PAUSED}, {@code FAILING}, {@code STOPPED} or {@code DISABLED}
     * @param concurrency how many tasks it runs at once at most
     * @param inFlight how many it runs now
     * @param processed attempts that ended since the application started
     * @param succeeded attempts that succeeded
     * @param failed attempts that failed
     * @param killed tasks given up
     * @param lastErrorAt when it last met an error outside a handler, or {@code null}
     * @param lastError that error, or {@code null}
     */
    public record WorkerDescriptor(String name, String queue, String state, int concurrency, int inFlight,
            long processed, long succeeded, long failed, long killed, Instant lastErrorAt, String lastError)
            implements OperationResponseBody {

        static WorkerDescriptor of(WorkerStatus status) {
            return new WorkerDescriptor(status.name(), status.queue(), status.state().name(), status.concurrency(),
                    status.inFlight(), status.processed(), status.succeeded(), status.failed(), status.killed(),
                    status.lastErrorAt(), status.lastError());
        }
    }

    /**
     * One queue.
     * @param tasks how many tasks it holds in each status
     * @param oldestDueAt the run time of its longest-waiting due task, or {@code null} when none is due
     * @param oldestDueAgeSeconds how long that task has been due, in seconds, or {@code null}
     */
    public record QueueDescriptor(Map<String, Long> tasks, Instant oldestDueAt, Double oldestDueAgeSeconds)
            implements OperationResponseBody {
    }

    /**
     * One task, without its payload and metadata.
     * @param id its id
     * @param queue its queue
     * @param status where it stands
     * @param attempts attempts taken
     * @param maxAttempts attempts allowed, 0 for the worker's policy
     * @param priority lower runs first
     * @param runAt when it may run next
     * @param lastError the error of its last failed attempt, or {@code null}
     * @param createdAt when it was pushed
     * @param finishedAt when it finished, or {@code null}
     */
    public record TaskDescriptor(String id, String queue, String status, int attempts, int maxAttempts, int priority,
            Instant runAt, String lastError, Instant createdAt, Instant finishedAt) implements OperationResponseBody {

        static TaskDescriptor of(Task task) {
            return new TaskDescriptor(task.id().toString(), task.queue(), task.status().name(), task.attempts(),
                    task.maxAttempts(), task.priority(), task.runAt(), task.lastError(), task.createdAt(),
                    task.finishedAt());
        }
    }

    /**
     * The result of a write operation.
     * @param action the action asked for
     * @param applied whether it was done
     * @param message what was done, or why not
     * @param worker the worker as it is now, for a worker action
     * @param task the task as it is now, for a task action
     */
    public record ActionDescriptor(String action, boolean applied, String message, WorkerDescriptor worker,
            TaskDescriptor task) implements OperationResponseBody {
    }
}
