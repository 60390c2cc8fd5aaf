package dev.apalis.spring.boot.actuate;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.Access;
import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.actuate.endpoint.OperationResponseBody;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;

import dev.apalis.backend.Backend;
import dev.apalis.backend.QueueCount;
import dev.apalis.backend.TaskCursor;
import dev.apalis.backend.TaskDetails;
import dev.apalis.backend.TaskPage;
import dev.apalis.spring.BackendTaskOperator;
import dev.apalis.spring.TaskOperator;
import dev.apalis.spring.WorkerActivity;
import dev.apalis.spring.WorkerStatus;
import dev.apalis.spring.Workers;
import dev.apalis.task.Task;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskStatus;
import dev.apalis.worker.WorkerContext;

/**
 * The {@code apalis} Actuator endpoint: the workers and queues, one worker or task, a page of a queue's
 * tasks, and operations on workers (this node), queues (the cluster) and tasks, all through the
 * {@link TaskOperator} and {@link Workers} beans.
 * <ul>
 * <li>{@code GET /actuator/apalis}: workers and queues;</li>
 * <li>{@code GET /actuator/apalis/workers}, {@code GET /actuator/apalis/queues}: one of the two;</li>
 * <li>{@code GET /actuator/apalis/workers/{name}}, {@code GET /actuator/apalis/tasks/{id}}: one worker
 * or task (404 when unknown);</li>
 * <li>{@code GET /actuator/apalis/queues/{name}?status=KILLED&limit=50&after=...}: a page of the
 * queue's tasks in a status, newest first;</li>
 * <li>{@code POST /actuator/apalis/workers/{name}} with {@code {"action": "pause"}} or
 * {@code "resume"} (this node); {@code POST /actuator/apalis/queues/{name}} with {@code "pause"} or
 * {@code "resume"} (every node); {@code POST /actuator/apalis/tasks/{id}} with {@code "retry"},
 * {@code "cancel"}, {@code "delete"} or {@code "reschedule"} (with {@code "runAt"}).</li>
 * <li>{@code GET /actuator/apalis/schedules}, {@code GET /actuator/apalis/schedules/{name}}: the
 * schedules or one of them; {@code POST /actuator/apalis/schedules/{name}} with {@code {"action":
 * "pause"}}, {@code "resume"} or {@code "trigger"}.</li>
 * </ul>
 * An unknown action is refused, naming the valid ones; an action that changes nothing (pausing a
 * paused worker) says so and is not reported as applied.
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

    static final List<String> WORKER_ACTIONS = List.of("pause", "resume");

    static final List<String> QUEUE_ACTIONS = List.of("pause", "resume");

    static final List<String> TASK_ACTIONS = List.of("retry", "cancel", "delete", "reschedule");

    /** Who the endpoint names as the author of a queue's pause. */
    static final String CHANGED_BY = "actuator";

    private static final int DEFAULT_PAGE = 50;

    private final Backend backend;

    private final TaskOperator operator;

    private final Workers workers;

    private final WorkerActivity activity;

    private final ScheduleOperations schedules;

    /**
     * Creates the endpoint over the backend's own management.
     * @param backend the backend whose tasks and queues it reads and corrects
     * @param workers the application's workers, to pause and resume
     * @param activity where the workers' states and counts come from
     */
    public ApalisEndpoint(Backend backend, Workers workers, WorkerActivity activity) {
        this(backend, new BackendTaskOperator(backend), workers, activity);
    }

    /**
     * Creates the endpoint.
     * @param backend the backend whose queues it counts
     * @param operator what reads and corrects tasks and pauses queues
     * @param workers the application's workers, to pause and resume
     * @param activity where the workers' states and counts come from
     */
    public ApalisEndpoint(Backend backend, TaskOperator operator, Workers workers, WorkerActivity activity) {
        this.backend = Objects.requireNonNull(backend, "backend");
        this.operator = Objects.requireNonNull(operator, "operator");
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
     * One worker, one task, or a page of a queue's tasks.
     * @param section {@code workers}, {@code tasks} or {@code queues}
     * @param name the worker's name, the task's id or the queue's name
     * @param status for a queue: the status of the tasks to list (default {@code PENDING})
     * @param after for a queue: the {@code next} value of the previous page
     * @param limit for a queue: the most tasks on the page (default 50, at most 1,000)
     * @return it, or {@code null} when unknown
     * @throws InvalidEndpointRequestException for an unknown status, cursor or limit
     */
    @ReadOperation
    public Object item(@Selector String section, @Selector String name, @Nullable String status,
            @Nullable String after, @Nullable Integer limit) {
        if (WORKERS.equals(section)) {
            return worker(name);
        }
        if (TASKS.equals(section)) {
            return task(name);
        }
        if (SCHEDULES.equals(section)) {
            return this.schedules.find(name);
        }
        if (QUEUES.equals(section)) {
            return page(name, status, after, limit);
        }
        return null;
    }

    /**
     * Acts on a worker (this node), a queue (every node) or a task.
     * @param section {@code workers}, {@code queues} or {@code tasks}
     * @param name the worker's name, the queue's name or the task's id
     * @param action {@code pause} or {@code resume} for a worker or a queue; {@code retry},
     * {@code cancel}, {@code delete} or {@code reschedule} for a task
     * @param runAt for {@code reschedule}: the new run time (ISO-8601)
     * @return what was done and the worker or task as it is now, or {@code null} when unknown
     * @throws InvalidEndpointRequestException (400 over HTTP, naming the valid actions) for an unknown
     * action
     */
    @WriteOperation
    public ActionDescriptor act(@Selector String section, @Selector String name, String action,
            @Nullable String runAt) {
        if (WORKERS.equals(section)) {
            return workerAction(name, action);
        }
        if (QUEUES.equals(section)) {
            return queueAction(name, action);
        }
        if (TASKS.equals(section)) {
            return taskAction(name, action, runAt);
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
        return taskId(id).flatMap(this.operator::details).map(TaskDescriptor::of).orElse(null);
    }

    /**
     * A page of a queue's tasks in a status, newest first.
     * @param queue the queue
     * @param status the status, {@code PENDING} when {@code null}
     * @param after the {@code next} value of the previous page, or {@code null}
     * @param limit the most tasks, 50 when {@code null}
     * @return the page
     * @throws InvalidEndpointRequestException for an unknown status, cursor or limit
     */
    public TaskPageDescriptor page(String queue, @Nullable String status, @Nullable String after,
            @Nullable Integer limit) {
        TaskStatus wanted;
        try {
            wanted = (status != null) ? TaskStatus.valueOf(status.trim().toUpperCase(Locale.ROOT)) : TaskStatus.PENDING;
        }
        catch (IllegalArgumentException ex) {
            throw invalid("Unknown status '" + status + "': use one of " + Arrays.toString(TaskStatus.values()));
        }
        int size = (limit != null) ? limit : DEFAULT_PAGE;
        if (size < 1 || size > BackendTaskOperator.MAX_PAGE) {
            throw invalid("limit must be between 1 and " + BackendTaskOperator.MAX_PAGE + ", was " + size);
        }
        TaskCursor cursor;
        try {
            cursor = (after != null && !after.isBlank()) ? TaskCursor.parse(after.trim()) : null;
        }
        catch (IllegalArgumentException ex) {
            throw invalid(ex.getMessage());
        }
        TaskPage page = this.operator.list(queue, wanted, cursor, size);
        return new TaskPageDescriptor(queue, wanted.name(),
                page.tasks().stream().map((task) -> TaskDescriptor.of(TaskDetails.of(task))).toList(),
                (page.next() != null) ? page.next().toString() : null);
    }

    /**
     * Pauses or resumes a queue on every node that shares the backend.
     * @param queue the queue
     * @param action {@code pause} or {@code resume}
     * @return what was done ({@code applied} false when the queue already was so)
     * @throws InvalidEndpointRequestException for another action
     */
    public ActionDescriptor queueAction(String queue, String action) {
        String verb = verb(action, "queue", QUEUE_ACTIONS);
        boolean pause = "pause".equals(verb);
        boolean changed = pause ? this.operator.pause(queue, CHANGED_BY) : this.operator.resume(queue, CHANGED_BY);
        String message;
        if (changed) {
            message = "Queue '" + queue + "' is " + (pause
                    ? "paused on every node: workers claim nothing from it until it is resumed"
                    : "resumed on every node: its workers claim tasks again");
        }
        else {
            message = "Queue '" + queue + "' is already " + (pause ? "paused" : "running") + ": nothing to " + verb;
        }
        return new ActionDescriptor(verb, changed, message, null, null);
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
        String verb = verb(action, "worker", WORKER_ACTIONS);
        if (this.workers.definition(name).isEmpty()) {
            return null;
        }
        WorkerContext context = this.workers.find(name).orElse(null);
        if (context == null || !context.isRunning()) {
            return new ActionDescriptor(verb, false, "Worker '" + name + "' does not run: nothing to " + verb,
                    worker(name), null);
        }
        boolean pause = "pause".equals(verb);
        if (context.isPaused() == pause) {
            return new ActionDescriptor(verb, false,
                    "Worker '" + name + "' is already " + (pause ? "paused" : "running") + ": nothing to " + verb,
                    worker(name), null);
        }
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
     * Retries a failed or killed task, cancels a waiting one, deletes a finished one, or reschedules a
     * waiting one.
     * @param id the task's id
     * @param action {@code retry}, {@code cancel}, {@code delete} or {@code reschedule}
     * @param runAt for {@code reschedule}: the new run time (ISO-8601), else ignored
     * @return what was done and the task as it is now ({@code applied} false when its status does not
     * allow it), or {@code null} when unknown
     * @throws InvalidEndpointRequestException for another action, or a missing or invalid run time
     */
    public ActionDescriptor taskAction(String id, String action, @Nullable String runAt) {
        String verb = verb(action, "task", TASK_ACTIONS);
        Instant when = null;
        if ("reschedule".equals(verb)) {
            try {
                when = Instant.parse(Objects.requireNonNull(runAt, "runAt").trim());
            }
            catch (RuntimeException ex) {
                throw invalid("reschedule needs runAt, an ISO-8601 instant such as 2030-01-01T09:00:00Z; was "
                        + runAt);
            }
        }
        Optional<TaskId> taskId = taskId(id);
        if (taskId.isEmpty() || this.operator.details(taskId.get()).isEmpty()) {
            return null;
        }
        TaskId task = taskId.get();
        String message;
        boolean applied;
        switch (verb) {
            case "retry" -> {
                applied = this.operator.retry(task);
                message = applied ? "Task " + id + " is pending again, to run now"
                        : "Task " + id + " was not retried: only a failed or killed task can be, and a killed one "
                                + "only while no unfinished task holds its unique key";
            }
            case "cancel" -> {
                applied = this.operator.cancel(task);
                message = applied ? "Task " + id + " is cancelled (killed): it will not run"
                        : "Task " + id + " was not cancelled: only a pending or failed task can be";
            }
            case "delete" -> {
                applied = this.operator.delete(task);
                message = applied ? "Task " + id + " is deleted"
                        : "Task " + id + " was not deleted: only a done or killed task can be";
            }
            default -> {
                applied = this.operator.reschedule(task, when);
                message = applied ? "Task " + id + " runs at " + when + " or later"
                        : "Task " + id + " was not rescheduled: only a pending or failed task can be";
            }
        }
        return new ActionDescriptor(verb, applied, message, null, task(id));
    }

    /**
     * Retries a killed task or cancels a waiting one.
     * @param id the task's id
     * @param action {@code retry} or {@code cancel}
     * @return what was done and the task as it is now, or {@code null} when unknown
     */
    public ActionDescriptor taskAction(String id, String action) {
        return taskAction(id, action, null);
    }

    private static String verb(String action, String target, List<String> valid) {
        String verb = lower(action);
        if (!valid.contains(verb)) {
            throw invalid("Unknown " + target + " action '" + action + "': use one of " + String.join(", ", valid));
        }
        return verb;
    }

    private static InvalidEndpointRequestException invalid(String message) {
        return new InvalidEndpointRequestException(message, message);
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
     * One task, without its payload and metadata. Errors are given by their first line (the type and
     * message), never as whole stack traces.
     * @param id its id
     * @param queue its queue
     * @param status where it stands
     * @param attempts attempts taken
     * @param maxAttempts attempts allowed, 0 while the worker's policy decides and it has not run
     * @param priority lower runs first
     * @param runAt when it may run next
     * @param lastError the error of its last failed attempt, or {@code null}
     * @param createdAt when it was pushed
     * @param finishedAt when it finished, or {@code null}
     * @param error why it is failing or was killed, or {@code null} (a task that succeeded has none)
     * @param attemptErrors the error of each failed attempt kept, oldest first
     */
    public record TaskDescriptor(String id, String queue, String status, int attempts, int maxAttempts, int priority,
            Instant runAt, String lastError, Instant createdAt, Instant finishedAt, String error,
            List<AttemptErrorDescriptor> attemptErrors) implements OperationResponseBody {

        static TaskDescriptor of(Task task) {
            return of(TaskDetails.of(task));
        }

        static TaskDescriptor of(TaskDetails details) {
            Task task = details.task();
            return new TaskDescriptor(task.id().toString(), task.queue(), task.status().name(), task.attempts(),
                    details.maxAttempts(), task.priority(), task.runAt(), firstLine(task.lastError()),
                    task.createdAt(), task.finishedAt(), firstLine(details.error()),
                    details.attemptErrors()
                        .stream()
                        .map((error) -> new AttemptErrorDescriptor(error.attempt(), error.at(), firstLine(error.error())))
                        .toList());
        }

        private static String firstLine(String text) {
            if (text == null) {
                return null;
            }
            int end = text.indexOf('\n');
            String line = ((end >= 0) ? text.substring(0, end) : text).strip();
            return (line.length() > 500) ? line.substring(0, 500) + "..." : line;
        }
    }

    /**
     * The error of one failed attempt.
     * @param attempt the attempt, from 1
     * @param at when it failed, or {@code null}
     * @param error the error's first line
     */
    public record AttemptErrorDescriptor(int attempt, Instant at, String error) {
    }

    /**
     * A page of a queue's tasks.
     * @param queue the queue
     * @param status the status listed
     * @param tasks the tasks, newest first
     * @param next the {@code after} value of the next page, or {@code null} on the last page
     */
    public record TaskPageDescriptor(String queue, String status, List<TaskDescriptor> tasks, String next)
            implements OperationResponseBody {
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
