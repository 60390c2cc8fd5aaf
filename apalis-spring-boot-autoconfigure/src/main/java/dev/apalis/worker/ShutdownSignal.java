package dev.apalis.worker;

import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * A signal that completes when the JVM begins to shut down (SIGINT, SIGTERM, {@code System.exit}).
 * Workers that {@link Worker#runUntil run until} it are then stopped gracefully, and the shutdown
 * hook waits for them (up to a bound) so that their tasks finish or are released before the JVM exits.
 * <pre>{@code
 * worker.runUntil(ShutdownSignal.onJvmShutdown());
 * }</pre>
 */
public final class ShutdownSignal extends CompletableFuture<Void> {

    private static final Log logger = LogFactory.getLog(ShutdownSignal.class);

    private final Set<WorkerContext> held = ConcurrentHashMap.newKeySet();

    private ShutdownSignal() {
    }

    /**
     * A signal for the JVM's shutdown; the hook waits up to 60 s for the workers that use it.
     * @return a new signal
     */
    public static ShutdownSignal onJvmShutdown() {
        return onJvmShutdown(Duration.ofSeconds(60));
    }

    /**
     * A signal for the JVM's shutdown.
     * @param maxWait how long the shutdown hook waits for the workers that run until this signal
     * @return a new signal
     */
    public static ShutdownSignal onJvmShutdown(Duration maxWait) {
        Objects.requireNonNull(maxWait, "maxWait");
        ShutdownSignal signal = new ShutdownSignal();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> signal.fire(maxWait), "apalis-shutdown"));
        return signal;
    }

    void hold(WorkerContext worker) {
        held.add(worker);
    }

    private void fire(Duration maxWait) {
        complete(null);
        long deadline = System.nanoTime() + maxWait.toNanos();
        for (WorkerContext worker : held) {
            try {
                long remaining = Math.max(0, deadline - System.nanoTime());
                if (!worker.awaitTermination(Duration.ofNanos(remaining))) {
                    logger.warn("Worker '" + worker.name() + "' did not stop within " + maxWait + " of the JVM shutdown");
                }
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
