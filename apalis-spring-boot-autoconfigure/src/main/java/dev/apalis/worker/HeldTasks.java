package dev.apalis.worker;

import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import dev.apalis.backend.Backend;
import dev.apalis.task.Task;
import dev.apalis.task.TaskId;

/**
 * The tasks a worker has claimed: how many count against its bound (waiting, running, or finished
 * with their outcome not yet written: counting the last kind holds claims back while outcomes queue
 * up), and which ids it names at each heart-beat until they are completed or released. Putting tasks
 * back in the queue happens here too.
 */
final class HeldTasks {

    private final Backend backend;

    private final String workerId;

    private final String workerName;

    private final EventEmitter events;

    private final AtomicInteger claimed = new AtomicInteger();

    private final Set<TaskId> ids = ConcurrentHashMap.newKeySet();

    HeldTasks(Backend backend, String workerId, String workerName, EventEmitter events) {
        this.backend = backend;
        this.workerId = workerId;
        this.workerName = workerName;
        this.events = events;
    }

    /** A claim came back with these tasks. */
    void claimed(List<Task> tasks) {
        claimed.addAndGet(tasks.size());
        for (Task task : tasks) {
            ids.add(task.id());
        }
    }

    /** How many tasks count as claimed. */
    int count() {
        return claimed.get();
    }

    /** That many tasks no longer count as claimed (written, released, or never started). */
    void uncount(int tasks) {
        claimed.addAndGet(-tasks);
    }

    /** The task's outcome was written: heart-beats no longer name it. */
    void completed(TaskId id) {
        ids.remove(id);
    }

    /** The ids to name at a heart-beat. */
    List<TaskId> ids() {
        return List.copyOf(ids);
    }

    /**
     * Puts claimed tasks back in the queue, as never claimed. When the backend cannot be reached they
     * stay named at heart-beats, and are rescued after the orphan threshold.
     * @param released the tasks
     */
    void release(Collection<TaskId> released) {
        if (released.isEmpty()) {
            return;
        }
        try {
            backend.release(workerId, released);
            released.forEach(ids::remove);
        }
        catch (RuntimeException ex) {
            events.emit(new WorkerEvent.Error(workerName, events.now(), ex));
            WorkerRuntime.logger.warn("Worker '" + workerName + "' could not release " + released.size()
                    + " claimed tasks; they are rescued after the orphan threshold", ex);
        }
    }
}
