package dev.apalis.worker;

import java.lang.reflect.Type;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

import org.jspecify.annotations.Nullable;

import dev.apalis.backend.Backend;
import dev.apalis.task.JsonPayloadCodec;
import dev.apalis.task.PayloadCodec;

/**
 * Builds a {@link Worker}: a name, a backend, settings, and finally the handler.
 * <pre>{@code
 * Worker worker = WorkerBuilder.named("email")
 *         .backend(storage)
 *         .concurrency(8)
 *         .retry(RetryPolicy.defaults().maxAttempts(5))
 *         .timeout(Duration.ofSeconds(30))
 *         .onEvent((ctx, event) -> log.info("{}", event))
 *         .build(Email.class, (email, ctx) -> mailer.send(email));
 * }</pre>
 * Defaults: queue = the name, concurrency 10, an adaptive prefetch, {@link RetryPolicy#defaults()}, no
 * timeout, no rate limit, poll interval 1 s, heart-beat every 5 s, shutdown timeout 30 s, JSON
 * payloads through a default Jackson mapper.
 */
public final class WorkerBuilder {

    public static final int DEFAULT_CONCURRENCY = 10;

    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(1);

    public static final Duration DEFAULT_HEARTBEAT_INTERVAL = Duration.ofSeconds(5);

    public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(30);

    private final String name;

    private String queue;

    private Backend backend;

    private int concurrency = DEFAULT_CONCURRENCY;

    private Integer prefetch;

    private RetryPolicy retryPolicy = RetryPolicy.defaults();

    private Duration timeout;

    private int rateLimitPermits;

    private Duration rateLimitPeriod;

    private Duration pollInterval = DEFAULT_POLL_INTERVAL;

    private Duration heartbeatInterval = DEFAULT_HEARTBEAT_INTERVAL;

    private Duration shutdownTimeout = DEFAULT_SHUTDOWN_TIMEOUT;

    private final Map<Class<?>, Object> data = new LinkedHashMap<>();

    private final List<WorkerEventListener> listeners = new ArrayList<>();

    private final List<TaskInterceptor> interceptors = new ArrayList<>();

    private PayloadCodec codec;

    private ThreadFactory handlerThreads;

    private Clock clock = Clock.systemUTC();

    private WorkerBuilder(String name) {
        this.name = requireText(name, "name");
    }

    /**
     * Starts a builder for a worker with this name (also its queue unless {@link #queue} says otherwise).
     * @param name the worker's name
     * @return a builder
     */
    public static WorkerBuilder named(String name) {
        return new WorkerBuilder(name);
    }

    public WorkerBuilder backend(Backend backend) {
        this.backend = Objects.requireNonNull(backend, "backend");
        return this;
    }

    public WorkerBuilder queue(String queue) {
        this.queue = requireText(queue, "queue");
        return this;
    }

    /**
     * How many tasks may run at once.
     * @param concurrency 1 or more
     * @return this builder
     */
    public WorkerBuilder concurrency(int concurrency) {
        if (concurrency < 1) {
            throw new IllegalArgumentException("Worker '" + name + "': concurrency must be 1 or more, was " + concurrency);
        }
        this.concurrency = concurrency;
        return this;
    }

    /**
     * Claims a fixed number of tasks ahead of free slots. Claimed tasks wait in memory (locked to this
     * worker) until a slot frees; they are released on pause and on a graceful stop, and rescued after
     * a crash. Without this call the prefetch adapts: the worker claims ahead about as many tasks as it
     * finishes during one claim round trip (at most 1,024), so short tasks are claimed in large batches
     * and slow ones only for free slots. {@code prefetch(0)} claims only for free slots, always.
     * @param prefetch 0 or more
     * @return this builder
     */
    public WorkerBuilder prefetch(int prefetch) {
        if (prefetch < 0) {
            throw new IllegalArgumentException("Worker '" + name + "': prefetch must be 0 or more, was " + prefetch);
        }
        this.prefetch = prefetch;
        return this;
    }

    public WorkerBuilder retry(RetryPolicy policy) {
        this.retryPolicy = Objects.requireNonNull(policy, "policy");
        return this;
    }

    /**
     * How long one attempt may run; past it the handler's thread is interrupted and the attempt fails
     * (and is retried while attempts are left) when the handler returns. A handler that ignores the
     * interrupt keeps its slot, and its task, until it returns, and is reported as
     * {@link WorkerEvent.TaskStuck}: concurrency is never exceeded.
     * @param timeout a positive duration, absent for none
     * @return this builder
     */
    public WorkerBuilder timeout(@Nullable Duration timeout) {
        this.timeout = (timeout != null) ? requirePositive(timeout, "timeout") : null;
        return this;
    }

    /**
     * At most {@code permits} task starts in any window of {@code period}, for this worker. The worker
     * claims no more tasks than it may start now, so that a slow limit does not hold tasks locked.
     * @param permits 1 or more
     * @param period a positive duration
     * @return this builder
     */
    public WorkerBuilder rateLimit(int permits, Duration period) {
        if (permits < 1) {
            throw new IllegalArgumentException("Worker '" + name + "': a rate limit needs 1 or more starts per period, was "
                    + permits);
        }
        this.rateLimitPermits = permits;
        this.rateLimitPeriod = requirePositive(period, "rate limit period");
        return this;
    }

    /**
     * How often an idle worker looks for due tasks when no push notification arrives.
     * @param interval a positive duration
     * @return this builder
     */
    public WorkerBuilder pollInterval(Duration interval) {
        this.pollInterval = requirePositive(interval, "poll interval");
        return this;
    }

    public WorkerBuilder heartbeatInterval(Duration interval) {
        this.heartbeatInterval = requirePositive(interval, "heartbeat interval");
        return this;
    }

    /**
     * How long a graceful stop waits for tasks in flight before it interrupts them and puts them back
     * in the queue.
     * @param timeout zero or more
     * @return this builder
     */
    public WorkerBuilder shutdownTimeout(Duration timeout) {
        Objects.requireNonNull(timeout, "shutdown timeout");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("Worker '" + name + "': the shutdown timeout must not be negative, was "
                    + timeout);
        }
        this.shutdownTimeout = timeout;
        return this;
    }

    /**
     * Shares an object with the handler, which gets it with {@code TaskContext.data(type)}.
     * @param value the shared object, registered under its class
     * @return this builder
     */
    public WorkerBuilder data(Object value) {
        Objects.requireNonNull(value, "value");
        this.data.put(value.getClass(), value);
        return this;
    }

    public <T> WorkerBuilder data(Class<T> type, T value) {
        this.data.put(Objects.requireNonNull(type, "type"), Objects.requireNonNull(value, "value"));
        return this;
    }

    public WorkerBuilder onEvent(WorkerEventListener listener) {
        this.listeners.add(Objects.requireNonNull(listener, "listener"));
        return this;
    }

    public WorkerBuilder intercept(TaskInterceptor interceptor) {
        this.interceptors.add(Objects.requireNonNull(interceptor, "interceptor"));
        return this;
    }

    public WorkerBuilder codec(PayloadCodec codec) {
        this.codec = Objects.requireNonNull(codec, "codec");
        return this;
    }

    /**
     * Where handler threads come from (for example virtual threads on Java 21 and later).
     * @param threadFactory the thread factory
     * @return this builder
     */
    public WorkerBuilder handlerThreads(ThreadFactory threadFactory) {
        this.handlerThreads = Objects.requireNonNull(threadFactory, "threadFactory");
        return this;
    }

    /**
     * The longest a graceful stop of a worker with this shutdown timeout takes: the timeout for tasks
     * in flight, then {@value WorkerRuntime#SETTLE_WAIT_MILLIS} ms for interrupted handlers to return,
     * then {@value WorkerRuntime#COMPLETER_JOIN_MILLIS} ms for the last outcomes to be written. A
     * container that closes the worker's database must wait at least this long.
     * @param shutdownTimeout the worker's shutdown timeout
     * @return the worst-case stop time
     */
    public static Duration worstCaseStopTime(Duration shutdownTimeout) {
        return shutdownTimeout.plusMillis(WorkerRuntime.SETTLE_WAIT_MILLIS + WorkerRuntime.COMPLETER_JOIN_MILLIS);
    }

    /**
     * The clock of the worker's event timestamps. Nothing the worker decides depends on it: due times,
     * retry times and the wait for the next delayed task are computed by the backend on its own clock
     * (the database's, for {@code PostgresStorage}), so a worker whose clock is off neither spins nor
     * starts tasks early or late. Default: the system clock in UTC.
     * @param clock the clock
     * @return this builder
     */
    public WorkerBuilder clock(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        return this;
    }

    /**
     * Builds the worker.
     * @param payloadType the type payloads are read as
     * @param handler what runs each task
     * @param <T> the payload type
     * @return the worker, not yet started
     */
    public <T> Worker build(Class<T> payloadType, TaskFunction<? super T> handler) {
        return build((Type) payloadType, handler);
    }

    /**
     * Builds the worker for a generic payload type (such as {@code List<Email>}).
     * @param payloadType the type payloads are read as
     * @param handler what runs each task
     * @param <T> the payload type
     * @return the worker, not yet started
     */
    @SuppressWarnings("unchecked")
    public <T> Worker build(Type payloadType, TaskFunction<? super T> handler) {
        Objects.requireNonNull(payloadType, "payloadType");
        Objects.requireNonNull(handler, "handler");
        if (backend == null) {
            throw new IllegalStateException("Worker '" + name + "' has no backend; call backend(..) with a MemoryStorage "
                    + "or a PostgresStorage");
        }
        WorkerSettings settings = new WorkerSettings(name, (queue != null) ? queue : name, backend, concurrency, prefetch,
                retryPolicy, timeout, rateLimitPermits, rateLimitPeriod, pollInterval, heartbeatInterval,
                shutdownTimeout, Map.copyOf(data), List.copyOf(listeners), List.copyOf(interceptors),
                (codec != null) ? codec : DefaultCodec.INSTANCE,
                (handlerThreads != null) ? handlerThreads : handlerThreadFactory(name), payloadType,
                (TaskFunction<Object>) handler, clock);
        return new Worker(new WorkerRuntime(settings));
    }

    private Duration requirePositive(Duration value, String what) {
        Objects.requireNonNull(value, what);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException("Worker '" + name + "': the " + what + " must be positive, was " + value);
        }
        return value;
    }

    private static String requireText(String value, String what) {
        Objects.requireNonNull(value, what);
        if (value.isBlank()) {
            throw new IllegalArgumentException("A worker's " + what + " must not be blank");
        }
        return value;
    }

    private static ThreadFactory handlerThreadFactory(String name) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, "apalis-" + name + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    private static final class DefaultCodec {

        static final PayloadCodec INSTANCE = JsonPayloadCodec.withDefaults();
    }
}
