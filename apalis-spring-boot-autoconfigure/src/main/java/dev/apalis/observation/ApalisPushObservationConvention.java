package dev.apalis.observation;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationConvention;

/**
 * Names and keys of the {@code apalis.push} observation. Implement it (or extend
 * {@link DefaultApalisPushObservationConvention}) and, in Spring Boot, declare it as a bean to change
 * them.
 */
public interface ApalisPushObservationConvention extends ObservationConvention<ApalisPushObservationContext> {

    @Override
    default boolean supportsContext(Observation.Context context) {
        return context instanceof ApalisPushObservationContext;
    }
}
