package dev.apalis.spring;

import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.TreeMap;

import dev.apalis.worker.RetryPolicy;
import dev.apalis.worker.WorkerContext;

/**
 * A {@link Workers} registry for tests: definitions made up on the spot, with contexts the test
 * controls ({@link FakeWorker}).
 */
public final class TestWorkers implements Workers {

    private final Map<String, WorkerDefinition> definitions = new TreeMap<>();

    private final Map<String, WorkerContext> contexts = new TreeMap<>();

    /**
     * Defines an enabled worker whose queue is its name, and starts it.
     * @param name the worker's name
     * @return its context
     */
    public FakeWorker running(String name) {
        define(name, true);
        FakeWorker worker = new FakeWorker(name, name);
        this.contexts.put(name, worker);
        return worker;
    }

    /**
     * Defines a worker without starting it.
     * @param name the worker's name
     * @param enabled whether it is enabled
     * @return this registry
     */
    public TestWorkers define(String name, boolean enabled) {
        this.definitions.put(name, definition(name, enabled));
        return this;
    }

    static WorkerDefinition definition(String name, boolean enabled) {
        Method method;
        try {
            method = TestWorkers.class.getDeclaredMethod("handle", String.class);
        }
        catch (NoSuchMethodException ex) {
            throw new IllegalStateException(ex);
        }
        return new WorkerDefinition(name, name, enabled, 4, 0, Duration.ofSeconds(1), null, RetryPolicy.defaults(), 0,
                Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(25), String.class, "handlers", method);
    }

    @SuppressWarnings("unused")
    private void handle(String payload) {
    }

    @Override
    public List<WorkerDefinition> definitions() {
        return new ArrayList<>(this.definitions.values());
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
        return find(name).orElseThrow(() -> new NoSuchElementException(name));
    }

    /** A worker context whose state the test sets. */
    public static final class FakeWorker implements WorkerContext {

        private final String name;

        private final String queue;

        volatile boolean running = true;

        volatile boolean paused;

        volatile int inFlight;

        FakeWorker(String name, String queue) {
            this.name = name;
            this.queue = queue;
        }

        @Override
        public String name() {
            return this.name;
        }

        @Override
        public String queue() {
            return this.queue;
        }

        @Override
        public void pause() {
            this.paused = this.running;
        }

        @Override
        public void resume() {
            this.paused = false;
        }

        @Override
        public void stop() {
            this.running = false;
        }

        @Override
        public boolean isRunning() {
            return this.running;
        }

        @Override
        public boolean isPaused() {
            return this.paused;
        }

        @Override
        public int inFlight() {
            return this.inFlight;
        }

        public void setInFlight(int inFlight) {
            this.inFlight = inFlight;
        }

        @Override
        public boolean awaitTermination(Duration timeout) {
            return !this.running;
        }
    }
}
