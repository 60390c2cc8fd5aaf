package dev.apalis.observation;

import io.micrometer.common.KeyValue;
import io.micrometer.common.KeyValues;

import dev.apalis.observation.ApalisObservationDocumentation.TaskHighCardinalityKeyNames;
import dev.apalis.observation.ApalisObservationDocumentation.TaskLowCardinalityKeyNames;

/**
 * The default names and keys of an attempt: observation {@code apalis.task}, span
 * {@code process <queue>}; low-cardinality {@code worker}, {@code queue} and, once the attempt ended,
 * {@code outcome}; high-cardinality {@code task.id} and {@code task.attempt}.
 * <p>
 * {@code outcome} is left out while the attempt runs, so that the long task timer of attempts in
 * flight ({@code apalis.task.active}) is tagged by worker and queue only.
 */
public class DefaultApalisTaskObservationConvention implements ApalisTaskObservationConvention {

    /** The observation's name, and so the base name of its meters. */
    public static final String NAME = "apalis.task";

    /** A shared instance. */
    public static final DefaultApalisTaskObservationConvention INSTANCE = new DefaultApalisTaskObservationConvention();

    @Override
    public String getName() {
        return NAME;
    }

    @Override
    public String getContextualName(ApalisTaskObservationContext context) {
        return "process " + context.getTask().queue();
    }

    @Override
    public KeyValues getLowCardinalityKeyValues(ApalisTaskObservationContext context) {
        KeyValues values = KeyValues.of(KeyValue.of(TaskLowCardinalityKeyNames.WORKER, context.getWorker()),
                KeyValue.of(TaskLowCardinalityKeyNames.QUEUE, context.getTask().queue()));
        TaskOutcome outcome = context.getOutcome();
        return (outcome != null) ? values.and(KeyValue.of(TaskLowCardinalityKeyNames.OUTCOME, outcome.value()))
                : values;
    }

    @Override
    public KeyValues getHighCardinalityKeyValues(ApalisTaskObservationContext context) {
        return KeyValues.of(KeyValue.of(TaskHighCardinalityKeyNames.TASK_ID, context.getTask().taskId().toString()),
                KeyValue.of(TaskHighCardinalityKeyNames.TASK_ATTEMPT, Integer.toString(context.getTask().attempt())));
    }
}
