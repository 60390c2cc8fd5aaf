package dev.apalis.worker;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Calls a worker's event listeners, in the order they were added, on the thread that emits. A
 * listener that throws is logged and skipped; the worker goes on.
 */
final class EventEmitter {

    private final WorkerContext worker;

    private final Clock clock;

    private final List<WorkerEventListener> listeners;

    EventEmitter(WorkerContext worker, Clock clock, List<WorkerEventListener> listeners) {
        this.worker = worker;
        this.clock = clock;
        this.listeners = new CopyOnWriteArrayList<>(listeners);
    }

    void add(WorkerEventListener listener) {
        listeners.add(listener);
    }

    /** The time events carry, on the worker's clock. */
    Instant now() {
        return clock.instant();
    }

    void emit(WorkerEvent event) {
        for (WorkerEventListener listener : listeners) {
            try {
                listener.onEvent(worker, event);
            }
            catch (Throwable ex) {
                WorkerRuntime.logger.warn("An event listener of worker '" + worker.name() + "' threw on "
                        + event.getClass().getSimpleName() + "; the worker goes on", ex);
            }
        }
    }
}
