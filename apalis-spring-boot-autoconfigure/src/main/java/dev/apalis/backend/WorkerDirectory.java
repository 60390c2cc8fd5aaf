package dev.apalis.backend;

import java.util.List;

/**
 * A backend that lists the workers registered with it by every node that shares it, as of their last
 * heart-beat: what an operator sees of the cluster. A backend that is not shared between nodes need
 * not implement it.
 */
public interface WorkerDirectory {

    /**
     * Every registered worker of every node, by name then id. One cheap read (a row per worker).
     * @return the workers
     */
    List<RegisteredWorker> registeredWorkers();
}
