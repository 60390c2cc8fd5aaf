package dev.apalis.worker;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Runs several workers together and stops them together: a graceful stop of every worker at once,
 * then a wait bounded by the shutdown timeout.
 * <pre>{@code
 * Monitor.create().register(emailWorker).register(reportWorker)
 *         .runUntil(ShutdownSignal.onJvmShutdown());
 * }</pre>
 */
public final class Monitor {

    private final List<Worker> workers = new ArrayList<>();

    private final List<WorkerContext> started = new ArrayList<>();

    private Duration shutdownTimeout = WorkerBuilder.DEFAULT_SHUTDOWN_TIMEOUT;

    private Monitor() {
    }

    public static Monitor create() {
        return new Monitor();
    }

    public synchronized Monitor register(Worker worker) {
        if (!started.isEmpty()) {
            throw new IllegalStateException("Register workers before the monitor starts");
        }
        workers.add(Objects.requireNonNull(worker, "worker"));
        return this;
    }

    /**
     * How long {@link #stop()} waits for all workers together. Each worker also has its own shutdown
     * timeout, after which it interrupts its tasks and puts them back in the queue.
     * @param timeout zero or more
     * @return this monitor
     */
    public synchronized Monitor shutdownTimeout(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("the shutdown timeout must not be negative, was " + timeout);
        }
        this.shutdownTimeout = timeout;
        return this;
    }

    /**
     * Starts every registered worker.
     * @return the started workers' contexts
     */
    public synchronized List<WorkerContext> start() {
        if (!started.isEmpty()) {
            throw new IllegalStateException("The monitor was already started");
        }
        for (Worker worker : workers) {
            started.add(worker.start());
        }
        return List.copyOf(started);
    }

    /**
     * Stops every worker gracefully and waits for all of them, up to the shutdown timeout.
     * @return {@code true} if all stopped in time
     * @throws InterruptedException if interrupted while waiting
     */
    public boolean stop() throws InterruptedException {
        List<WorkerContext> contexts;
        synchronized (this) {
            contexts = List.copyOf(started);
        }
        contexts.forEach(WorkerContext::stop);
        long deadline = System.nanoTime() + shutdownTimeout.toNanos();
        boolean all = true;
        for (WorkerContext context : contexts) {
            all &= context.awaitTermination(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        }
        return all;
    }

    /**
     * Starts every worker, stops them all when the signal completes, and blocks until they stopped
     * (also when they all stop by themselves before the signal).
     * @param signal when to stop
     * @throws InterruptedException if interrupted while waiting; the workers are then stopped
     */
    public void runUntil(CompletionStage<?> signal) throws InterruptedException {
        List<WorkerContext> contexts = start();
        if (signal instanceof ShutdownSignal shutdown) {
            contexts.forEach(shutdown::hold);
        }
        CountDownLatch stopped = new CountDownLatch(1);
        signal.whenComplete((result, error) -> {
            try {
                stop();
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
            finally {
                stopped.countDown();
            }
        });
        try {
            while (!stopped.await(100, TimeUnit.MILLISECONDS)) {
                if (allTerminated(contexts)) {
                    return;
                }
            }
        }
        catch (InterruptedException ex) {
            stop();
            throw ex;
        }
    }

    private static boolean allTerminated(List<WorkerContext> contexts) throws InterruptedException {
        for (WorkerContext context : contexts) {
            if (!context.awaitTermination(Duration.ZERO)) {
                return false;
            }
        }
        return true;
    }
}
