package dev.apalis.spring.boot.metrics;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import dev.apalis.task.TaskContext;
import dev.apalis.worker.TaskInterceptor;

/**
 * Records, as each attempt starts, how long its task waited since it became due: the timer
 * {@code apalis.task.wait}, tagged {@code worker} and {@code queue}. A task due at 10:00:00 that starts
 * at 10:00:02 records 2 s; a retry waits from its retry time. A negative wait (the database's clock
 * ahead of this JVM's) records zero.
 */
public final class TaskWaitTimeInterceptor implements TaskInterceptor {

    /** The timer's name. */
    public static final String METER_NAME = "apalis.task.wait";

    private final MeterRegistry registry;

    private final Supplier<Instant> clock;

    private final Map<String, Timer> timers = new ConcurrentHashMap<>();

    /**
     * Creates an interceptor that records into a registry, reading the time from the system clock.
     * @param registry the registry
     */
    public TaskWaitTimeInterceptor(MeterRegistry registry) {
        this(registry, Instant::now);
    }

    TaskWaitTimeInterceptor(MeterRegistry registry, Supplier<Instant> clock) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public void intercept(TaskContext context, Attempt attempt) throws Exception {
        Duration waited = Duration.between(context.runAt(), this.clock.get());
        timer(context).record(waited.isNegative() ? Duration.ZERO : waited);
        attempt.proceed();
    }

    private Timer timer(TaskContext context) {
        String worker = context.worker().name();
        Timer timer = this.timers.get(worker);
        if (timer == null || !timer.getId().getTag("queue").equals(context.queue())) {
            timer = Timer.builder(METER_NAME)
                .description("Time from when a task became due to when its attempt started")
                .tag("worker", worker)
                .tag("queue", context.queue())
                .register(this.registry);
            this.timers.put(worker, timer);
        }
        return timer;
    }
}
