package dev.apalis.observation;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;

/**
 * Names and keys of the {@code apalis.task} observation. Implement it (or extend
 * {@link DefaultApalisTaskObservationConvention}) and, in Spring Boot, declare it as a bean to change
 * them; keep high-cardinality values out of the low-cardinality keys, which become metric tags.
 */
public interface ApalisTaskObservationConvention extends ObservationConvention<ApalisTaskObservationContext> {

    @Override
    default boolean supportsContext(Observation.Context context) {
        return context instanceof ApalisTaskObservationContext;
    }
}
