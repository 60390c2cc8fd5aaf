package dev.apalis.observation;

import java.util.List;

import io.micrometer.common.KeyValue;
import io.micrometer.common.KeyValues;

import dev.apalis.observation.ApalisObservationDocumentation.PushHighCardinalityKeyNames;
import dev.apalis.observation.ApalisObservationDocumentation.PushLowCardinalityKeyNames;
import dev.apalis.task.TaskId;

/**
 * The default names and keys of a push: observation {@code apalis.push}, span {@code publish <queue>};
 * low-cardinality {@code queue}; high-cardinality {@code task.count} and, for a push of one task once
 * stored, {@code task.id}.
 */
public class DefaultApalisPushObservationConvention implements ApalisPushObservationConvention {

    /** The observation's name, and so the base name of its meters. */
    public static final String NAME = "apalis.push";

    /** A shared instance. */
    public static final DefaultApalisPushObservationConvention INSTANCE = new DefaultApalisPushObservationConvention();

    @Override
    public String getName() {
        return NAME;
    }

    @Override
    public String getContextualName(ApalisPushObservationContext context) {
        return "publish " + context.getQueue();
    }

    @Override
    public KeyValues getLowCardinalityKeyValues(ApalisPushObservationContext context) {
        return KeyValues.of(KeyValue.of(PushLowCardinalityKeyNames.QUEUE, context.getQueue()));
    }

    @Override
    public KeyValues getHighCardinalityKeyValues(ApalisPushObservationContext context) {
        KeyValues values = KeyValues
            .of(KeyValue.of(PushHighCardinalityKeyNames.TASK_COUNT, Integer.toString(context.getCount())));
        List<TaskId> ids = context.getTaskIds();
        return (ids.size() == 1) ? values.and(KeyValue.of(PushHighCardinalityKeyNames.TASK_ID, ids.get(0).toString()))
                : values;
    }
}
