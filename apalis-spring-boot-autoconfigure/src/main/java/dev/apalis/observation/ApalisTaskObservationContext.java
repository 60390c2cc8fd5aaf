package dev.apalis.observation;

import java.util.Map;
import java.util.Objects;

import io.micrometer.observation.transport.Kind;
import io.micrometer.observation.transport.ReceiverContext;

import dev.apalis.task.TaskContext;

/**
 * The context of an {@code apalis.task} observation: the attempt's {@link TaskContext}, and its
 * outcome once it ended. Its carrier is the task's metadata, from which a tracing handler reads the
 * propagation headers that the push wrote, so the task's span continues the pushing trace.
 */
public class ApalisTaskObservationContext extends ReceiverContext<Map<String, String>> {

    private final TaskContext task;

    private volatile TaskOutcome outcome;

    /**
     * Creates the context of one attempt.
     * @param task the attempt's context
     */
    public ApalisTaskObservationContext(TaskContext task) {
        super((carrier, key) -> carrier.get(key), Kind.CONSUMER);
        this.task = Objects.requireNonNull(task, "task");
        setCarrier(task.metadata());
    }

    /**
     * The attempt's context: task id, queue, attempt, metadata and worker.
     * @return the task context
     */
    public TaskContext getTask() {
        return this.task;
    }

    /**
     * The name of the worker that runs the attempt.
     * @return the worker's name
     */
    public String getWorker() {
        return this.task.worker().name();
    }

    /**
     * How the attempt ended.
     * @return the outcome, or {@code null} while it runs
     */
    public TaskOutcome getOutcome() {
        return this.outcome;
    }

    /**
     * Records how the attempt ended.
     * @param outcome the outcome
     */
    public void setOutcome(TaskOutcome outcome) {
        this.outcome = outcome;
    }
}
