package dev.apalis.spring.boot.docs;

import io.micrometer.common.KeyValue;
import io.micrometer.common.KeyValues;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.apalis.observation.ApalisTaskObservationContext;
import dev.apalis.observation.ApalisTaskObservationConvention;
import dev.apalis.observation.DefaultApalisTaskObservationConvention;

/**
 * docs/observability.md: a convention that tags every attempt with the tenant in its task's metadata.
 */
@Configuration(proxyBeanMethods = false)
public class TenantObservationConfiguration {

    @Bean
    ApalisTaskObservationConvention tenantTaskConvention() {
        return new DefaultApalisTaskObservationConvention() {

            @Override
            public KeyValues getLowCardinalityKeyValues(ApalisTaskObservationContext context) {
                String tenant = context.getTask().metadata().getOrDefault("tenant", "none");
                return super.getLowCardinalityKeyValues(context).and(KeyValue.of("tenant", tenant));
            }
        };
    }
}
