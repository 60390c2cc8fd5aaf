package dev.apalis.worker;

import java.time.Duration;
import java.util.Objects;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * A worker: claims tasks from its backend's queue and runs them with its handler. Built by
 * {@link WorkerBuilder}; runs once, in one of four ways:
 * <ul>
 * <li>{@link #run()} blocks until the worker is stopped (from a handler, another thread, or a signal);</li>
 * <li>{@link #runUntil(CompletionStage)} runs until the signal completes, then stops gracefully;</li>
 * <li>{@link #stream()} runs it and yields its events as they occur;</li>
 * <li>{@link #start()} returns at once with the {@link WorkerContext} to pause, resume and stop it.</li>
 * </ul>
 */
public final class Worker {

    private static final Duration FOREVER = Duration.ofNanos(Long.MAX_VALUE);

    private final WorkerRuntime runtime;

    Worker(WorkerRuntime runtime) {
        this.runtime = runtime;
    }

    public String name() {
        return runtime.name();
    }

    public String queue() {
        return runtime.queue();
    }

    /**
     * Starts the worker and returns at once.
     * @return the worker's context
     * @throws IllegalStateException if it was started before
     */
    public WorkerContext start() {
        runtime.start();
        return runtime;
    }

    /**
     * Starts the worker and blocks until it has stopped.
     * @throws InterruptedException if the calling thread is interrupted; the worker is then stopped
     * gracefully before this method throws
     */
    public void run() throws InterruptedException {
        start();
        awaitStop();
    }

    /**
     * Starts the worker, stops it gracefully when the signal completes (normally or not), and blocks
     * until it has stopped. With {@link ShutdownSignal#onJvmShutdown()} it stops on SIGINT or SIGTERM.
     * @param signal when to stop
     * @throws InterruptedException if the calling thread is interrupted; the worker is then stopped
     * gracefully before this method throws
     */
    public void runUntil(CompletionStage<?> signal) throws InterruptedException {
        Objects.requireNonNull(signal, "signal");
        start();
        if (signal instanceof ShutdownSignal shutdown) {
            shutdown.hold(runtime);
        }
        signal.whenComplete((result, error) -> runtime.stop());
        awaitStop();
    }

    /**
     * Starts the worker and returns its events, from {@link WorkerEvent.Start} to
     * {@link WorkerEvent.Stop}, as they occur. Reading blocks until the next event; the stream ends
     * after {@code Stop}. Closing the stream stops the worker.
     * @return the worker's events
     */
    public Stream<WorkerEvent> stream() {
        BlockingQueue<WorkerEvent> events = new LinkedBlockingQueue<>();
        runtime.addListener((context, event) -> events.add(event));
        start();
        Spliterator<WorkerEvent> spliterator = new Spliterators.AbstractSpliterator<>(Long.MAX_VALUE,
                Spliterator.ORDERED | Spliterator.NONNULL) {

            private boolean ended;

            @Override
            public boolean tryAdvance(Consumer<? super WorkerEvent> action) {
                if (ended) {
                    return false;
                }
                try {
                    WorkerEvent event = events.take();
                    ended = event instanceof WorkerEvent.Stop;
                    action.accept(event);
                    return true;
                }
                catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                    runtime.stop();
                    return false;
                }
            }
        };
        return StreamSupport.stream(spliterator, false).onClose(runtime::stop);
    }

    private void awaitStop() throws InterruptedException {
        try {
            runtime.awaitTermination(FOREVER);
        }
        catch (InterruptedException ex) {
            runtime.stop();
            runtime.awaitTermination(FOREVER);
            throw ex;
        }
    }

    @Override
    public String toString() {
        return runtime.toString();
    }
}
