package dev.apalis.observation;

import io.micrometer.common.docs.KeyName;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;
import io.micrometer.observation.docs.ObservationDocumentation;

/**
 * The observations Apalis makes, with their key names: {@link #TASK_EXECUTION} ({@code apalis.task},
 * one per attempt) and {@link #TASK_PUSH} ({@code apalis.push}, one per push or batch push).
 */
public enum ApalisObservationDocumentation implements ObservationDocumentation {

    /** One attempt of one task, around payload decoding and the handler; a consumer span. */
    TASK_EXECUTION {

        @Override
        public Class<? extends ObservationConvention<? extends Observation.Context>> getDefaultConvention() {
            return DefaultApalisTaskObservationConvention.class;
        }

        @Override
        public KeyName[] getLowCardinalityKeyNames() {
            return TaskLowCardinalityKeyNames.values();
        }

        @Override
        public KeyName[] getHighCardinalityKeyNames() {
            return TaskHighCardinalityKeyNames.values();
        }
    },

    /** One push of one or more tasks to a queue through the task client; a producer span. */
    TASK_PUSH {

        @Override
        public Class<? extends ObservationConvention<? extends Observation.Context>> getDefaultConvention() {
            return DefaultApalisPushObservationConvention.class;
        }

        @Override
        public KeyName[] getLowCardinalityKeyNames() {
            return PushLowCardinalityKeyNames.values();
        }

        @Override
        public KeyName[] getHighCardinalityKeyNames() {
            return PushHighCardinalityKeyNames.values();
        }
    };

    /** Low-cardinality keys of {@code apalis.task}: tags of its metrics and of its spans. */
    public enum TaskLowCardinalityKeyNames implements KeyName {

        /** The worker's name. */
        WORKER {
            @Override
            public String asString() {
                return "worker";
            }
        },

        /** The queue the task came from. */
        QUEUE {
            @Override
            public String asString() {
                return "queue";
            }
        },

        /** {@code success}, {@code failure} (will be retried) or {@code killed}; set when the attempt ends. */
        OUTCOME {
            @Override
            public String asString() {
                return "outcome";
            }
        }
    }

    /** High-cardinality keys of {@code apalis.task}: on spans only, never on metrics. */
    public enum TaskHighCardinalityKeyNames implements KeyName {

        /** The task's id. */
        TASK_ID {
            @Override
            public String asString() {
                return "task.id";
            }
        },

        /** The attempt, starting at 1. */
        TASK_ATTEMPT {
            @Override
            public String asString() {
                return "task.attempt";
            }
        }
    }

    /** Low-cardinality keys of {@code apalis.push}. */
    public enum PushLowCardinalityKeyNames implements KeyName {

        /** The queue the tasks are pushed to. */
        QUEUE {
            @Override
            public String asString() {
                return "queue";
            }
        }
    }

    /** High-cardinality keys of {@code apalis.push}: on spans only. */
    public enum PushHighCardinalityKeyNames implements KeyName {

        /** How many tasks the push stored (1, or the size of a batch). */
        TASK_COUNT {
            @Override
            public String asString() {
                return "task.count";
            }
        },

        /** The id of the pushed task, for a push of one task once it is stored. */
        TASK_ID {
            @Override
            public String asString() {
                return "task.id";
            }
        }
    }
}
