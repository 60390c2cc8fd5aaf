package dev.apalis.spring.boot.actuate;

import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.autoconfigure.endpoint.expose.EndpointExposure;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.apalis.backend.Backend;
import dev.apalis.spring.TaskOperator;
import dev.apalis.spring.WorkerActivity;
import dev.apalis.spring.Workers;
import dev.apalis.spring.boot.ApalisAutoConfiguration;

/**
 * Auto-configuration of the {@code apalis} endpoint ({@link ApalisEndpoint}) and its web extension,
 * when Actuator is present and the endpoint is available: its access is not {@code none} and it is
 * exposed ({@code management.endpoints.web.exposure.include=apalis}, or over JMX). Its default access
 * is read-only; {@code management.endpoint.apalis.access=unrestricted} allows the write operations.
 */
@AutoConfiguration(after = ApalisAutoConfiguration.class)
@ConditionalOnClass({ Endpoint.class, ConditionalOnAvailableEndpoint.class })
public final class ApalisEndpointAutoConfiguration {

    /** Separate, so that its endpoint conditions are read only when Actuator is there. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnAvailableEndpoint(ApalisEndpoint.class)
    static class ApalisEndpointConfiguration {

        @Bean
        @ConditionalOnMissingBean
        @ConditionalOnBean({ Backend.class, Workers.class, WorkerActivity.class })
        ApalisEndpoint apalisEndpoint(Backend backend, TaskOperator operator, Workers workers,
                WorkerActivity activity) {
            return new ApalisEndpoint(backend, operator, workers, activity);
        }

        @Bean
        @ConditionalOnMissingBean
        @ConditionalOnBean(ApalisEndpoint.class)
        @ConditionalOnAvailableEndpoint(exposure = EndpointExposure.WEB)
        ApalisEndpointWebExtension apalisEndpointWebExtension(ApalisEndpoint endpoint) {
            return new ApalisEndpointWebExtension(endpoint);
        }
    }
}
