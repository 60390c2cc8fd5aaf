package dev.apalis.spring.boot.actuate;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.apalis.backend.Backend;
import dev.apalis.spring.WorkerActivity;
import dev.apalis.spring.boot.ApalisAutoConfiguration;

/**
 * Auto-configuration of the {@code apalis} health indicator ({@link ApalisHealthIndicator}) when
 * Spring Boot's health module is present; {@code management.health.apalis.enabled=false} turns it off,
 * and a bean named {@code apalisHealthIndicator} or {@code apalisHealthContributor} replaces it.
 */
@AutoConfiguration(after = ApalisAutoConfiguration.class)
@ConditionalOnClass({ HealthIndicator.class, ConditionalOnEnabledHealthIndicator.class })
public final class ApalisHealthContributorAutoConfiguration {

    /** Separate, so that its health conditions are read only when the health module is there. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnBean({ Backend.class, WorkerActivity.class })
    @ConditionalOnEnabledHealthIndicator("apalis")
    static class ApalisHealthIndicatorConfiguration {

        @Bean
        @ConditionalOnMissingBean(name = { "apalisHealthIndicator", "apalisHealthContributor" })
        ApalisHealthIndicator apalisHealthIndicator(Backend backend, WorkerActivity activity) {
            return new ApalisHealthIndicator(backend, activity);
        }
    }
}
