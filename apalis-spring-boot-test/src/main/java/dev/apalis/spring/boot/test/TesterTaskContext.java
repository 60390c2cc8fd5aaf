package dev.apalis.spring.boot.test;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import dev.apalis.task.Task;
import dev.apalis.task.TaskContext;
import dev.apalis.task.TaskId;
import dev.apalis.worker.WorkerContext;

/**
 * The {@link TaskContext} of an attempt the tester runs. Its worker is the test thread: pausing or
 * stopping it is recorded, not acted on (the tester runs what the test asks).
 */
final class TesterTaskContext implements TaskContext {

    private final Task task;

    private final int maxAttempts;

    private final TesterWorker worker;

    TesterTaskContext(Task task, int maxAttempts, TesterWorker worker) {
        this.task = task;
        this.maxAttempts = maxAttempts;
        this.worker = worker;
    }

    @Override
    public TaskId taskId() {
        return this.task.id();
    }

    @Override
    public String queue() {
        return this.task.queue();
    }

    @Override
    public int attempt() {
        return this.task.attempts();
    }

    @Override
    public int maxAttempts() {
        return this.maxAttempts;
    }

    @Override
    public Instant runAt() {
        return this.task.runAt();
    }

    @Override
    public Map<String, String> metadata() {
        return this.task.metadata();
    }

    @Override
    public WorkerContext worker() {
        return this.worker;
    }

    @Override
    public <T> T data(Class<T> type) {
        throw new IllegalStateException("No shared data of type " + type.getName() + ": workers of a Spring "
                + "application get their collaborators as beans, not through TaskContext.data(..)");
    }

    @Override
    public String toString() {
        return "TaskContext[" + this.task.id() + " in " + this.task.queue() + ", attempt " + this.task.attempts() + "/"
                + this.maxAttempts + ", run by TaskTester]";
    }

    /** The worker a handler sees when the tester runs it: the test thread. */
    static final class TesterWorker implements WorkerContext {

        private final String name;

        private final String queue;

        private volatile boolean paused;

        private volatile boolean stopped;

        TesterWorker(String name, String queue) {
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
            this.paused = true;
        }

        @Override
        public void resume() {
            this.paused = false;
        }

        @Override
        public void stop() {
            this.stopped = true;
        }

        @Override
        public boolean isRunning() {
            return !this.stopped;
        }

        @Override
        public boolean isPaused() {
            return this.paused;
        }

        @Override
        public int inFlight() {
            return 1;
        }

        @Override
        public boolean awaitTermination(Duration timeout) {
            return this.stopped;
        }
    }
}
