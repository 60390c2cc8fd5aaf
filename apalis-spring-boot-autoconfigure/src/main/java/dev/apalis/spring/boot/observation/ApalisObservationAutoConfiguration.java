package dev.apalis.spring.boot.observation;

import io.micrometer.observation.ObservationRegistry;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;

import dev.apalis.observation.ApalisPushObservationConvention;
import dev.apalis.observation.ApalisTaskObservationConvention;
import dev.apalis.observation.ObservationPushInterceptor;
import dev.apalis.observation.ObservationTaskInterceptor;
import dev.apalis.spring.boot.ApalisAutoConfiguration;

/**
 * Auto-configuration of Apalis's observations when Micrometer's Observation API and an
 * {@link ObservationRegistry} bean are present: the {@link ObservationTaskInterceptor} makes every
 * attempt an {@code apalis.task} observation, the {@link ObservationPushInterceptor} every push an
 * {@code apalis.push} observation whose trace context travels in the task's metadata. Metrics and
 * spans then come from the handlers Spring Boot registers. Both interceptors run before any other
 * (order {@link #INTERCEPTOR_ORDER}), so that interceptors of the application see the observation.
 * An {@link ApalisTaskObservationConvention} or {@link ApalisPushObservationConvention} bean replaces
 * the default names and keys; {@code management.observations.enable.apalis=false} turns the
 * observations off.
 */
@AutoConfiguration(after = ApalisAutoConfiguration.class,
        afterName = "org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration")
@ConditionalOnClass(ObservationRegistry.class)
@ConditionalOnBean(ObservationRegistry.class)
public final class ApalisObservationAutoConfiguration {

    /** The order of the observation interceptors: before the application's interceptors. */
    public static final int INTERCEPTOR_ORDER = Ordered.HIGHEST_PRECEDENCE + 1000;

    @Bean
    @ConditionalOnMissingBean
    @Order(INTERCEPTOR_ORDER)
    ObservationTaskInterceptor apalisObservationTaskInterceptor(ObservationRegistry registry,
            ObjectProvider<ApalisTaskObservationConvention> convention) {
        return new ObservationTaskInterceptor(registry, convention.getIfUnique());
    }

    @Bean
    @ConditionalOnMissingBean
    @Order(INTERCEPTOR_ORDER)
    ObservationPushInterceptor apalisObservationPushInterceptor(ObservationRegistry registry,
            ObjectProvider<ApalisPushObservationConvention> convention) {
        return new ObservationPushInterceptor(registry, convention.getIfUnique());
    }
}
