package dev.apalis.worker;

/**
 * Receives a worker's events, on the worker's own threads, as they occur. Keep it quick: a slow
 * listener slows the worker. A listener that throws is logged and does not affect the worker.
 */
@FunctionalInterface
public interface WorkerEventListener {

    void onEvent(WorkerContext worker, WorkerEvent event);
}
