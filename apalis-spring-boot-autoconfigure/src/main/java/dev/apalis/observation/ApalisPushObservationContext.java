package dev.apalis.observation;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import io.micrometer.observation.transport.Kind;
import io.micrometer.observation.transport.SenderContext;

import dev.apalis.task.TaskId;

/**
 * The context of an {@code apalis.push} observation: the queue and the number of tasks, then their
 * ids. Its carrier is a fresh map into which a tracing handler writes the propagation headers of the
 * push's span when the observation starts; they are stored in every pushed task's metadata.
 */
public class ApalisPushObservationContext extends SenderContext<Map<String, String>> {

    private final String queue;

    private final int count;

    private volatile List<TaskId> taskIds = List.of();

    /**
     * Creates the context of one push.
     * @param queue the queue
     * @param count how many tasks are pushed
     */
    public ApalisPushObservationContext(String queue, int count) {
        super((carrier, key, value) -> carrier.put(key, value), Kind.PRODUCER);
        this.queue = Objects.requireNonNull(queue, "queue");
        this.count = count;
        setCarrier(new LinkedHashMap<>());
    }

    /**
     * The queue the tasks go to.
     * @return the queue
     */
    public String getQueue() {
        return this.queue;
    }

    /**
     * How many tasks are pushed.
     * @return the number of tasks
     */
    public int getCount() {
        return this.count;
    }

    /**
     * The ids the push returned.
     * @return the ids, empty until the push returned
     */
    public List<TaskId> getTaskIds() {
        return this.taskIds;
    }

    /**
     * Records the ids the push returned.
     * @param taskIds the ids
     */
    public void setTaskIds(List<TaskId> taskIds) {
        this.taskIds = List.copyOf(taskIds);
    }
}
