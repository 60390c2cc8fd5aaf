package dev.apalis.spring.boot.schedule;

import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

import dev.apalis.backend.Backend;
import dev.apalis.schedule.ScheduleStore;
import dev.apalis.schedule.SchedulingBackend;
import dev.apalis.schedule.SlotListener;
import dev.apalis.spring.TaskSchedules;
import dev.apalis.spring.Workers;
import dev.apalis.spring.boot.ApalisAutoConfiguration;
import dev.apalis.spring.boot.ApalisConfigurationException;
import dev.apalis.spring.boot.ApalisProperties;
import dev.apalis.task.PayloadCodec;

/**
 * Schedules: the {@link TaskSchedules} bean, the {@link ScheduleLifecycle} that stores the declared
 * schedules and runs this node's schedule loop, and {@link ScheduleMetrics} when Micrometer is there.
 * Declarations are stored under {@code spring.application.name} (default {@code application}). It
 * applies when the backend bean keeps schedules ({@code PostgresStorage}, {@code MemoryStorage}).
 */
@AutoConfiguration(after = ApalisAutoConfiguration.class,
        afterName = { "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
                "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
                "org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration" })
@ConditionalOnBean(SchedulingBackend.class)
public final class ApalisScheduleAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    TaskSchedules apalisTaskSchedules(Backend backend, PayloadCodec codec) {
        return new TaskSchedules(store(backend), codec);
    }

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnBean(Workers.class)
    ScheduleLifecycle apalisScheduleLifecycle(Backend backend, Workers workers, ApalisProperties properties,
            PayloadCodec codec, ConfigurableListableBeanFactory beanFactory, Environment environment,
            ObjectProvider<SlotListener> listeners) {
        String owner = environment.getProperty("spring.application.name", "application");
        return new ScheduleLifecycle(store(backend), owner,
                () -> new ScheduleDeclarations(beanFactory, workers.definitions(), properties, codec).resolve(),
                listeners.orderedStream().toList());
    }

    private static ScheduleStore store(Backend backend) {
        if (backend instanceof SchedulingBackend scheduling) {
            return scheduling.schedules();
        }
        throw new ApalisConfigurationException("The Apalis backend " + backend + " does not keep schedules",
                "Use PostgresStorage or MemoryStorage as the backend, or define your own TaskSchedules and "
                        + "ScheduleLifecycle beans.");
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(MeterRegistry.class)
    @ConditionalOnBean(MeterRegistry.class)
    @ConditionalOnBooleanProperty(name = "apalis.metrics.enabled", matchIfMissing = true)
    static class Metrics {

        @Bean
        @ConditionalOnMissingBean
        ScheduleMetrics apalisScheduleMetrics(MeterRegistry registry) {
            return new ScheduleMetrics(registry);
        }
    }
}
