package dev.apalis.spring.boot.metrics;

import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

import dev.apalis.spring.WorkerActivity;
import dev.apalis.spring.WorkerState;
import dev.apalis.worker.WorkerContext;
import dev.apalis.worker.WorkerEvent;
import dev.apalis.worker.WorkerEventListener;

/**
 * The gauges {@code apalis.worker.state}, tagged {@code worker}, {@code queue} and {@code state}: for
 * every worker that started, one gauge per state ({@code running}, {@code paused}, {@code failing},
 * {@code stopped}) that reads 1 for the state it is in and 0 for the others, the usual shape of a
 * state in Prometheus. They read the {@link WorkerActivity}, so nothing is queried. A worker's gauges
 * are registered when it starts (it is a listener of every worker, for its {@code Start} event).
 * With them, the counter {@value #STUCK_METER_NAME}, tagged {@code worker} and {@code queue}: handlers
 * that ran past their timeout and ignored its interrupt (each keeps its slot until it returns).
 */
public final class WorkerStateMetrics implements MeterBinder, WorkerEventListener {

    /** The gauges' name. */
    public static final String METER_NAME = "apalis.worker.state";

    /** The stuck handlers counter's name. */
    public static final String STUCK_METER_NAME = "apalis.worker.handlers.stuck";

    private static final List<WorkerState> STATES = List.of(WorkerState.RUNNING, WorkerState.PAUSED,
            WorkerState.FAILING, WorkerState.STOPPED);

    private final WorkerActivity activity;

    private final List<MeterRegistry> registries = new CopyOnWriteArrayList<>();

    private final Set<String> started = ConcurrentHashMap.newKeySet();

    /**
     * Creates the gauges' source.
     * @param activity where the workers' states come from
     */
    public WorkerStateMetrics(WorkerActivity activity) {
        this.activity = Objects.requireNonNull(activity, "activity");
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        this.registries.add(registry);
        for (String worker : this.started) {
            this.activity.status(worker).ifPresent((status) -> register(registry, worker, status.queue()));
        }
    }

    @Override
    public void onEvent(WorkerContext worker, WorkerEvent event) {
        if (event instanceof WorkerEvent.Start && this.started.add(worker.name())) {
            for (MeterRegistry registry : this.registries) {
                register(registry, worker.name(), worker.queue());
            }
        }
    }

    private void register(MeterRegistry registry, String worker, String queue) {
        for (WorkerState state : STATES) {
            Gauge.builder(METER_NAME, this, (metrics) -> metrics.is(worker, state))
                .description("1 when the worker is in this state, else 0")
                .tag("worker", worker)
                .tag("queue", queue)
                .tag("state", state.value())
                .strongReference(true)
                .register(registry);
        }
        FunctionCounter.builder(STUCK_METER_NAME, this.activity, (activity) -> activity.stuckHandlers(worker))
            .description("Handlers that ran past their timeout and ignored its interrupt")
            .tag("worker", worker)
            .tag("queue", queue)
            .register(registry);
    }

    private double is(String worker, WorkerState state) {
        return this.activity.state(worker).map((current) -> (current == state) ? 1.0 : 0.0).orElse(0.0);
    }
}
