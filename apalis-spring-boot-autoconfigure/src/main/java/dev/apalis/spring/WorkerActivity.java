package dev.apalis.spring;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

import dev.apalis.worker.WorkerContext;
import dev.apalis.worker.WorkerEvent;
import dev.apalis.worker.WorkerEventListener;

/**
 * What the application's workers do, from their events: attempts succeeded and failed, tasks killed,
 * the last error, and so each worker's {@link WorkerState}. Counts start with the application and
 * survive a restart of the workers. A worker is {@link WorkerState#FAILING} while its last error
 * (outside a handler) is younger than the failing window (30 s by default) and no task started after
 * it. Register it as a listener of every worker (Spring Boot does); thread-safe, and cheap on the
 * workers' threads (a map look-up and a counter per event).
 */
public final class WorkerActivity implements WorkerEventListener {

    /** How long after an error a worker that started no task since counts as failing, by default. */
    public static final Duration DEFAULT_FAILING_WINDOW = Duration.ofSeconds(30);

    private static final int MAX_ERROR_LENGTH = 300;

    private final Workers workers;

    private final Clock clock;

    private final Duration failingWindow;

    private final Map<String, Counters> counters = new ConcurrentHashMap<>();

    /**
     * Tracks the workers of a registry, with the system clock and the default failing window.
     * @param workers the application's workers
     */
    public WorkerActivity(Workers workers) {
        this(workers, Clock.systemUTC(), DEFAULT_FAILING_WINDOW);
    }

    /**
     * Tracks the workers of a registry.
     * @param workers the application's workers
     * @param clock the clock that dates errors against the failing window
     * @param failingWindow how long after an error a worker counts as failing if no task started since
     */
    public WorkerActivity(Workers workers, Clock clock, Duration failingWindow) {
        this.workers = Objects.requireNonNull(workers, "workers");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.failingWindow = Objects.requireNonNull(failingWindow, "failingWindow");
    }

    @Override
    public void onEvent(WorkerContext worker, WorkerEvent event) {
        Counters counts = this.counters.computeIfAbsent(event.worker(), (name) -> new Counters());
        if (event instanceof WorkerEvent.TaskStarted started) {
            counts.lastStartedAt = started.at();
        }
        else if (event instanceof WorkerEvent.TaskSucceeded) {
            counts.succeeded.increment();
        }
        else if (event instanceof WorkerEvent.TaskFailed) {
            counts.failed.increment();
        }
        else if (event instanceof WorkerEvent.TaskKilled) {
            counts.killed.increment();
        }
        else if (event instanceof WorkerEvent.TaskStuck) {
            counts.stuck.increment();
        }
        else if (event instanceof WorkerEvent.Error error) {
            counts.lastError = new LastError(error.at(), describe(error.error()));
        }
    }

    /**
     * Every worker the application defines, sorted by name.
     * @return their statuses
     */
    public List<WorkerStatus> statuses() {
        List<WorkerStatus> statuses = new ArrayList<>();
        for (WorkerDefinition definition : this.workers.definitions()) {
            statuses.add(status(definition));
        }
        return statuses;
    }

    /**
     * One worker.
     * @param name the worker's name
     * @return its status, or empty if no handler defines it
     */
    public Optional<WorkerStatus> status(String name) {
        return this.workers.definition(name).map(this::status);
    }

    /**
     * One worker's state alone.
     * @param name the worker's name
     * @return its state, or empty if no handler defines it
     */
    public Optional<WorkerState> state(String name) {
        return this.workers.definition(name).map((definition) -> state(definition, counters(name)));
    }

    /**
     * How many handlers of a worker ran past their timeout and ignored its interrupt (see
     * {@link WorkerEvent.TaskStuck}), since the application started.
     * @param name the worker's name
     * @return the count
     */
    public long stuckHandlers(String name) {
        return counters(name).stuck.sum();
    }

    private WorkerStatus status(WorkerDefinition definition) {
        Counters counts = counters(definition.name());
        int inFlight = this.workers.find(definition.name()).map(WorkerContext::inFlight).orElse(0);
        long succeeded = counts.succeeded.sum();
        long failed = counts.failed.sum();
        LastError error = counts.lastError;
        return new WorkerStatus(definition.name(), definition.queue(), state(definition, counts),
                definition.concurrency(), inFlight, succeeded + failed, succeeded, failed, counts.killed.sum(),
                (error != null) ? error.at() : null, (error != null) ? error.message() : null);
    }

    private WorkerState state(WorkerDefinition definition, Counters counts) {
        if (!definition.enabled()) {
            return WorkerState.DISABLED;
        }
        WorkerContext context = this.workers.find(definition.name()).orElse(null);
        if (context == null || !context.isRunning()) {
            return WorkerState.STOPPED;
        }
        if (context.isPaused()) {
            return WorkerState.PAUSED;
        }
        LastError error = counts.lastError;
        if (error != null && error.at().isAfter(this.clock.instant().minus(this.failingWindow))) {
            Instant started = counts.lastStartedAt;
            if (started == null || !started.isAfter(error.at())) {
                return WorkerState.FAILING;
            }
        }
        return WorkerState.RUNNING;
    }

    private Counters counters(String name) {
        Counters counts = this.counters.get(name);
        return (counts != null) ? counts : Counters.NONE;
    }

    private static String describe(Throwable error) {
        String text = error.toString();
        return (text.length() <= MAX_ERROR_LENGTH) ? text : text.substring(0, MAX_ERROR_LENGTH) + "...";
    }

    @Override
    public String toString() {
        return "WorkerActivity" + this.counters.keySet();
    }

    private record LastError(Instant at, String message) {
    }

    private static final class Counters {

        static final Counters NONE = new Counters();

        final LongAdder succeeded = new LongAdder();

        final LongAdder failed = new LongAdder();

        final LongAdder killed = new LongAdder();

        final LongAdder stuck = new LongAdder();

        volatile Instant lastStartedAt;

        volatile LastError lastError;
    }
}
