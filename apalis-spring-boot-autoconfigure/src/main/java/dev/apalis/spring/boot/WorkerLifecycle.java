package dev.apalis.spring.boot;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.env.Environment;
import org.springframework.core.task.VirtualThreadTaskExecutor;

import dev.apalis.backend.Backend;
import dev.apalis.spring.WorkerDefinition;
import dev.apalis.spring.Workers;
import dev.apalis.task.PayloadCodec;
import dev.apalis.worker.TaskInterceptor;
import dev.apalis.worker.Worker;
import dev.apalis.worker.WorkerBuilder;
import dev.apalis.worker.WorkerContext;
import dev.apalis.worker.WorkerEventListener;

/**
 * The one {@link SmartLifecycle} that owns every worker of the application, and the {@link Workers}
 * registry through which code reaches them.
 * <p>
 * Once all singletons exist it finds the {@code @TaskHandler} methods and resolves each worker's
 * {@link WorkerDefinition}, failing start-up on an invalid handler or an unknown worker under
 * {@code apalis.workers}. It starts the enabled workers when the context is refreshed, in phase
 * {@link #PHASE}, and stops them with {@link #stop(Runnable)}: every worker stops claiming at once;
 * tasks in flight get their worker's shutdown timeout to finish (past it they are interrupted and put
 * back in the queue); tasks claimed but not started are released; then the callback runs, always,
 * from a separate thread so that other lifecycles stop meanwhile. It can be started again after a stop
 * (fresh workers from the same definitions).
 * <p>
 * Every {@link dev.apalis.worker.WorkerEvent} is published as a Spring application event on the
 * worker's thread that emitted it. {@link TaskInterceptor}, {@link WorkerEventListener} and
 * {@link WorkerBuilderCustomizer} beans are applied to every worker.
 */
public final class WorkerLifecycle implements SmartLifecycle, SmartInitializingSingleton, DisposableBean, Workers {

    /**
     * The lifecycle phase: below the web server's graceful shutdown ({@code DEFAULT_PHASE - 1024})
     * and its start and stop ({@code DEFAULT_PHASE - 2048}). On close the web server drains its
     * requests first (they may still push, and local workers still run what they push), then the
     * workers drain; all of it before any bean, the {@code DataSource} included, is destroyed. On
     * start the workers run before the web server takes requests.
     */
    public static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 4096;

    /**
     * How much longer than the longest worker's worst-case stop time (see
     * {@link WorkerBuilder#worstCaseStopTime(Duration)}) a stop waits before it calls back anyway.
     */
    static final Duration STOP_GRACE = Duration.ofSeconds(1);

    /** Spring's property for the time a lifecycle phase may take to stop. */
    static final String PHASE_TIMEOUT_PROPERTY = "spring.lifecycle.timeout-per-shutdown-phase";

    /** Spring's default for {@value #PHASE_TIMEOUT_PROPERTY}. */
    static final Duration DEFAULT_PHASE_TIMEOUT = Duration.ofSeconds(30);

    private static final Log logger = LogFactory.getLog(WorkerLifecycle.class);

    private final ApalisProperties properties;

    private final Backend backend;

    private final PayloadCodec codec;

    private final ConfigurableListableBeanFactory beanFactory;

    private final ApplicationEventPublisher eventPublisher;

    private final boolean virtualThreads;

    private final ObjectProvider<TaskInterceptor> interceptors;

    private final ObjectProvider<WorkerEventListener> listeners;

    private final ObjectProvider<WorkerBuilderCustomizer> customizers;

    private final Object monitor = new Object();

    private volatile Map<String, TaskHandlerMethod> handlers;

    private volatile Map<String, WorkerDefinition> definitions = Map.of();

    private volatile Map<String, WorkerContext> contexts = Map.of();

    private volatile boolean running;

    private CountDownLatch keepAlive;

    /** The workers of the last stop, until they terminated (the DataSource must outlive them). */
    private volatile List<WorkerContext> lastStopped = List.of();

    WorkerLifecycle(ApalisProperties properties, Backend backend, PayloadCodec codec,
            ConfigurableListableBeanFactory beanFactory, ApplicationEventPublisher eventPublisher, boolean virtualThreads,
            ObjectProvider<TaskInterceptor> interceptors, ObjectProvider<WorkerEventListener> listeners,
            ObjectProvider<WorkerBuilderCustomizer> customizers) {
        this.properties = Objects.requireNonNull(properties, "properties");
        this.backend = Objects.requireNonNull(backend, "backend");
        this.codec = Objects.requireNonNull(codec, "codec");
        this.beanFactory = Objects.requireNonNull(beanFactory, "beanFactory");
        this.eventPublisher = Objects.requireNonNull(eventPublisher, "eventPublisher");
        this.virtualThreads = virtualThreads;
        this.interceptors = interceptors;
        this.listeners = listeners;
        this.customizers = customizers;
    }

    // ---------------------------------------------------------------- discovery

    @Override
    public void afterSingletonsInstantiated() {
        discover();
    }

    private void discover() {
        synchronized (this.monitor) {
            if (this.handlers != null) {
                return;
            }
            Map<String, TaskHandlerMethod> found = new TaskHandlerDiscovery(this.beanFactory).discover();
            Map<String, WorkerDefinition> resolved = new WorkerDefinitionResolver(this.properties).resolve(found);
            this.definitions = Collections.unmodifiableMap(new TreeMap<>(resolved));
            this.handlers = found;
        }
    }

    // ---------------------------------------------------------------- lifecycle

    @Override
    public void start() {
        synchronized (this.monitor) {
            if (this.running) {
                return;
            }
            discover();
            Map<String, WorkerContext> started = new LinkedHashMap<>();
            try {
                for (WorkerDefinition definition : this.definitions.values()) {
                    if (definition.enabled()) {
                        started.put(definition.name(), build(definition).start());
                    }
                }
            }
            catch (RuntimeException ex) {
                started.values().forEach(WorkerContext::stop);
                throw ex;
            }
            this.contexts = Collections.unmodifiableMap(started);
            this.running = true;
            if (!started.isEmpty()) {
                this.keepAlive = startKeepAlive();
            }
            logStarted();
            warnIfStopMayOutlastItsPhase();
        }
    }

    /**
     * The longest a stop of the running workers takes: the worst-case stop time of the worker with the
     * longest shutdown timeout, plus {@link #STOP_GRACE}.
     */
    Duration worstCaseStopTime() {
        Duration longest = Duration.ZERO;
        for (String name : this.contexts.keySet()) {
            Duration timeout = definition(name).map(WorkerDefinition::shutdownTimeout).orElse(Duration.ZERO);
            longest = (timeout.compareTo(longest) > 0) ? timeout : longest;
        }
        return WorkerBuilder.worstCaseStopTime(longest).plus(STOP_GRACE);
    }

    /**
     * Warns when a stop may take longer than Spring gives this lifecycle phase: Spring would then go on
     * and close the {@code DataSource} (and every other bean) while workers still write outcomes.
     */
    private void warnIfStopMayOutlastItsPhase() {
        if (this.contexts.isEmpty()) {
            return;
        }
        Duration phaseTimeout = phaseTimeout();
        Duration worstCase = worstCaseStopTime();
        if (worstCase.compareTo(phaseTimeout) <= 0) {
            return;
        }
        WorkerDefinition longest = this.contexts.keySet()
            .stream()
            .map(this.definitions::get)
            .filter(Objects::nonNull)
            .max((a, b) -> a.shutdownTimeout().compareTo(b.shutdownTimeout()))
            .orElseThrow();
        Duration fits = phaseTimeout.minus(worstCase.minus(longest.shutdownTimeout()));
        logger.warn("Apalis workers may take up to " + seconds(worstCase) + " to stop (worker '" + longest.name()
                + "': shutdown timeout " + seconds(longest.shutdownTimeout()) + " + "
                + seconds(worstCase.minus(longest.shutdownTimeout()))
                + " for interrupted handlers and the last outcomes), longer than the " + seconds(phaseTimeout)
                + " Spring gives their lifecycle phase (" + PHASE_TIMEOUT_PROPERTY + "). Spring would close the "
                + "DataSource while they still run. Set apalis.shutdown.timeout (or apalis.workers." + longest.name()
                + ".shutdown-timeout) to at most " + seconds(fits.isNegative() ? Duration.ZERO : fits) + ", or "
                + PHASE_TIMEOUT_PROPERTY + " to at least " + seconds(worstCase));
    }

    private Duration phaseTimeout() {
        Environment environment = this.beanFactory.getBeanProvider(Environment.class).getIfAvailable();
        String value = (environment != null) ? environment.getProperty(PHASE_TIMEOUT_PROPERTY) : null;
        if (value == null || value.isBlank()) {
            return DEFAULT_PHASE_TIMEOUT;
        }
        try {
            return DurationStyle.detectAndParse(value.trim());
        }
        catch (IllegalArgumentException ex) {
            return DEFAULT_PHASE_TIMEOUT;
        }
    }

    private static String seconds(Duration duration) {
        long millis = duration.toMillis();
        return (millis % 1000 == 0) ? (millis / 1000) + " s" : String.format(java.util.Locale.ROOT, "%.1f s", millis / 1000.0);
    }

    /**
     * Worker threads are daemon threads; while workers run, this one non-daemon thread keeps the JVM
     * alive, so that an application with workers and no web server does not exit after start-up.
     */
    private static CountDownLatch startKeepAlive() {
        CountDownLatch latch = new CountDownLatch(1);
        Thread thread = new Thread(() -> {
            try {
                latch.await();
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
        }, "apalis-keep-alive");
        thread.setDaemon(false);
        thread.start();
        return latch;
    }

    private Worker build(WorkerDefinition definition) {
        WorkerBuilder builder = WorkerBuilder.named(definition.name())
            .backend(this.backend)
            .queue(definition.queue())
            .concurrency(definition.concurrency())
            .pollInterval(definition.pollInterval())
            .timeout(definition.timeout())
            .retry(definition.retryPolicy())
            .heartbeatInterval(definition.heartbeatInterval())
            .shutdownTimeout(definition.shutdownTimeout())
            .codec(this.codec)
            .onEvent((worker, event) -> this.eventPublisher.publishEvent(event));
        if (definition.prefetch() != null) {
            builder.prefetch(definition.prefetch());
        }
        if (definition.rateLimitPermits() > 0) {
            builder.rateLimit(definition.rateLimitPermits(), definition.rateLimitPeriod());
        }
        if (this.virtualThreads) {
            builder.handlerThreads(new VirtualThreadTaskExecutor("apalis-" + definition.name() + "-")
                .getVirtualThreadFactory());
        }
        this.interceptors.orderedStream().forEach(builder::intercept);
        this.listeners.orderedStream().forEach(builder::onEvent);
        this.customizers.orderedStream().forEach((customizer) -> customizer.customize(definition, builder));
        return builder.build(definition.payloadType(), this.handlers.get(definition.name()));
    }

    private void logStarted() {
        if (!logger.isInfoEnabled()) {
            return;
        }
        List<String> disabled = this.definitions.values()
            .stream()
            .filter((definition) -> !definition.enabled())
            .map(WorkerDefinition::name)
            .toList();
        logger.info("Started " + this.contexts.size() + " Apalis worker" + ((this.contexts.size() == 1) ? "" : "s")
                + this.contexts.values()
                    .stream()
                    .map((context) -> context.name() + " (queue " + context.queue() + ")")
                    .collect(Collectors.joining(", ", (this.contexts.isEmpty() ? "" : ": "), ""))
                + (disabled.isEmpty() ? "" : "; disabled: " + String.join(", ", disabled)) + " on "
                + this.backend.getClass().getSimpleName() + (this.virtualThreads ? " with virtual threads" : ""));
    }

    @Override
    public void stop(Runnable callback) {
        List<WorkerContext> stopping;
        try {
            stopping = beginStop();
        }
        catch (RuntimeException ex) {
            callback.run();
            throw ex;
        }
        if (stopping.isEmpty()) {
            callback.run();
            return;
        }
        Thread drain = new Thread(() -> {
            try {
                awaitTermination(stopping);
            }
            finally {
                callback.run();
            }
        }, "apalis-shutdown");
        drain.setDaemon(true);
        try {
            drain.start();
        }
        catch (RuntimeException | Error ex) {
            callback.run();
            throw ex;
        }
    }

    @Override
    public void stop() {
        awaitTermination(beginStop());
    }

    /** Stops intake of every worker at once; returns the workers to wait for. */
    private List<WorkerContext> beginStop() {
        synchronized (this.monitor) {
            if (!this.running) {
                return List.of();
            }
            this.running = false;
            if (this.keepAlive != null) {
                this.keepAlive.countDown();
                this.keepAlive = null;
            }
            List<WorkerContext> stopping = new ArrayList<>(this.contexts.values());
            this.lastStopped = List.copyOf(stopping);
            for (WorkerContext context : stopping) {
                try {
                    context.stop();
                }
                catch (RuntimeException ex) {
                    logger.warn("Could not stop worker '" + context.name() + "'", ex);
                }
            }
            return stopping;
        }
    }

    private void awaitTermination(List<WorkerContext> stopping) {
        Duration longest = Duration.ZERO;
        for (WorkerContext context : stopping) {
            Duration timeout = definition(context.name()).map(WorkerDefinition::shutdownTimeout).orElse(Duration.ZERO);
            longest = (timeout.compareTo(longest) > 0) ? timeout : longest;
        }
        Duration wait = WorkerBuilder.worstCaseStopTime(longest).plus(STOP_GRACE);
        long started = System.nanoTime();
        long deadline = started + wait.toNanos();
        logger.info("Draining " + stopping.size() + " Apalis worker" + ((stopping.size() == 1) ? "" : "s")
                + ": no more claims; tasks in flight have up to " + longest.toMillis() + " ms to finish");
        List<String> late = new ArrayList<>();
        try {
            for (WorkerContext context : stopping) {
                long remaining = Math.max(0, deadline - System.nanoTime());
                if (!context.awaitTermination(Duration.ofNanos(remaining))) {
                    late.add(context.name());
                }
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            logger.warn("Interrupted while waiting for Apalis workers to stop");
            return;
        }
        if (!late.isEmpty()) {
            logger.warn("Apalis workers " + late + " did not stop within " + seconds(wait)
                    + "; tasks they still hold go back to the queue after the orphan threshold");
        }
        else {
            logger.info("Drained " + stopping.size() + " Apalis worker" + ((stopping.size() == 1) ? "" : "s") + " in "
                    + Duration.ofNanos(System.nanoTime() - started).toMillis() + " ms");
        }
    }

    @Override
    public boolean isRunning() {
        return this.running;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }

    /**
     * Stops the workers if they run, and waits for those of the last stop that have not terminated
     * (when Spring's phase timeout ended the wait early): this bean depends on the backend and so on its
     * {@code DataSource}, which is destroyed after it, so the workers never outlive the DataSource.
     */
    @Override
    public void destroy() {
        if (this.running) {
            stop();
        }
        List<WorkerContext> stopped = this.lastStopped;
        if (stopped.stream().anyMatch(WorkerContext::isRunning)) {
            awaitTermination(stopped);
        }
    }

    // ---------------------------------------------------------------- Workers

    @Override
    public List<WorkerDefinition> definitions() {
        return List.copyOf(this.definitions.values());
    }

    @Override
    public Optional<WorkerDefinition> definition(String name) {
        return Optional.ofNullable(this.definitions.get(name));
    }

    @Override
    public Optional<WorkerContext> find(String name) {
        return Optional.ofNullable(this.contexts.get(name));
    }

    @Override
    public WorkerContext get(String name) {
        WorkerContext context = this.contexts.get(name);
        if (context != null) {
            return context;
        }
        WorkerDefinition definition = this.definitions.get(name);
        if (definition == null) {
            throw new NoSuchElementException("No worker named '" + name + "'; known workers: "
                    + (this.definitions.isEmpty() ? "none" : String.join(", ", new TreeSet<>(this.definitions.keySet()))));
        }
        if (!definition.enabled()) {
            throw new NoSuchElementException("Worker '" + name + "' is disabled (apalis.workers." + name
                    + ".enabled or apalis.defaults.enabled is false)");
        }
        throw new NoSuchElementException("Worker '" + name + "' has not started yet; workers start when the "
                + "application context is refreshed");
    }

    /**
     * The handler that runs a worker's tasks, called as the worker calls it (with the decoded payload
     * and the attempt's {@link dev.apalis.task.TaskContext}). For test support that runs tasks in the
     * calling thread instead of on the worker.
     * @param name the worker's name
     * @return its handler
     * @throws NoSuchElementException naming the known workers if no handler defines it
     */
    public dev.apalis.worker.TaskFunction<Object> handler(String name) {
        discover();
        TaskHandlerMethod handler = this.handlers.get(name);
        if (handler == null) {
            throw new NoSuchElementException("No worker named '" + name + "'; known workers: "
                    + (this.handlers.isEmpty() ? "none" : String.join(", ", new TreeSet<>(this.handlers.keySet()))));
        }
        return handler;
    }

    @Override
    public String toString() {
        return "WorkerLifecycle[" + this.definitions.keySet() + (this.running ? ", running" : "") + "]";
    }
}
