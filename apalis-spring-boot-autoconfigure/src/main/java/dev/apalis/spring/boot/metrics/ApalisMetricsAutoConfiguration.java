package dev.apalis.spring.boot.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.config.MeterFilter;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.apalis.backend.Backend;
import dev.apalis.spring.WorkerActivity;
import dev.apalis.spring.boot.ApalisAutoConfiguration;
import dev.apalis.spring.boot.ApalisProperties;

/**
 * Auto-configuration of Apalis's own meters when Micrometer and a {@link MeterRegistry} bean are
 * present: {@link TaskWaitTimeInterceptor} ({@code apalis.task.wait}), {@link QueueDepthMetrics}
 * ({@code apalis.queue.tasks}, unless {@code apalis.metrics.queue-depth.enabled=false}) and
 * {@link WorkerStateMetrics} ({@code apalis.worker.state}). The task and push timers come from the
 * observations (see {@code ApalisObservationAutoConfiguration}). With
 * {@code apalis.metrics.enabled=false} none of these is registered, and a {@link MeterFilter} denies
 * every meter whose name starts with {@code apalis.}, those of the observations included (their spans
 * are kept).
 */
@AutoConfiguration(after = ApalisAutoConfiguration.class,
        afterName = { "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
                "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
                "org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration" })
@ConditionalOnClass(MeterRegistry.class)
@ConditionalOnBean(MeterRegistry.class)
public final class ApalisMetricsAutoConfiguration {

    /** The prefix of every Apalis meter. */
    static final String METER_PREFIX = "apalis.";

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnBooleanProperty(name = "apalis.metrics.enabled", matchIfMissing = true)
    static class Enabled {

        @Bean
        @ConditionalOnMissingBean
        TaskWaitTimeInterceptor apalisTaskWaitTimeInterceptor(MeterRegistry registry) {
            return new TaskWaitTimeInterceptor(registry);
        }

        @Bean
        @ConditionalOnMissingBean
        @ConditionalOnBean(WorkerActivity.class)
        WorkerStateMetrics apalisWorkerStateMetrics(WorkerActivity activity) {
            return new WorkerStateMetrics(activity);
        }

        @Bean
        @ConditionalOnMissingBean
        @ConditionalOnBean(Backend.class)
        @ConditionalOnBooleanProperty(name = "apalis.metrics.queue-depth.enabled", matchIfMissing = true)
        QueueDepthMetrics apalisQueueDepthMetrics(Backend backend, ApalisProperties properties) {
            return new QueueDepthMetrics(backend, properties.getMetrics().getQueueDepth().getRefreshInterval());
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnBooleanProperty(name = "apalis.metrics.enabled", havingValue = false)
    static class Disabled {

        @Bean
        MeterFilter apalisMetricsDisabledFilter() {
            return MeterFilter.denyNameStartsWith(METER_PREFIX);
        }
    }
}
