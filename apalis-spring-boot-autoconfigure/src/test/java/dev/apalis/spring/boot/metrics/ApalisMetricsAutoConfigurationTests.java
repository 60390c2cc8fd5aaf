package dev.apalis.spring.boot.metrics;

import java.time.Duration;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.apalis.backend.Backend;
import dev.apalis.spring.TaskClient;
import dev.apalis.spring.TaskHandler;
import dev.apalis.spring.boot.ApalisAutoConfiguration;
import dev.apalis.spring.boot.observation.ApalisObservationAutoConfiguration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Which meters are registered: all of them by default with Micrometer, none with
 * {@code apalis.metrics.enabled=false} (the observations' meters denied too), the queue depth
 * switched off alone, nothing without Micrometer, and back-off.
 */
class ApalisMetricsAutoConfigurationTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
        .withPropertyValues("apalis.backend=memory")
        .withConfiguration(AutoConfigurations.of(ObservationAutoConfiguration.class, MetricsAutoConfiguration.class,
                CompositeMeterRegistryAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class,
                ApalisAutoConfiguration.class, ApalisObservationAutoConfiguration.class,
                ApalisMetricsAutoConfiguration.class));

    @Test
    void withMicrometerEveryApalisMeterIsRegistered() {
        this.runner.withUserConfiguration(Handlers.class)
            .withPropertyValues("apalis.metrics.queue-depth.refresh-interval=1s")
            .run((context) -> {
                assertThat(context).hasSingleBean(TaskWaitTimeInterceptor.class)
                    .hasSingleBean(QueueDepthMetrics.class)
                    .hasSingleBean(WorkerStateMetrics.class);
                MeterRegistry registry = context.getBean(MeterRegistry.class);
                context.getBean(TaskClient.class).push("echo", "hello");

                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                    assertThat(registry.find("apalis.task").tag("outcome", "success").timer()).isNotNull();
                    assertThat(registry.find("apalis.task.wait").tag("worker", "echo").timer()).isNotNull();
                    assertThat(registry.find("apalis.push").tag("queue", "echo").timer()).isNotNull();
                    assertThat(registry.find("apalis.queue.tasks").tags("queue", "echo", "status", "done").gauge())
                        .isNotNull()
                        .satisfies((gauge) -> assertThat(gauge.value()).isEqualTo(1));
                });
                assertThat(registry.get("apalis.worker.state").tags("worker", "echo", "state", "running").gauge()
                    .value()).isEqualTo(1);
            });
    }

    @Test
    void disabledMetricsRegisterNothingAndDenyTheObservationsMeters() {
        this.runner.withUserConfiguration(Handlers.class).withPropertyValues("apalis.metrics.enabled=false")
            .run((context) -> {
                assertThat(context).doesNotHaveBean(TaskWaitTimeInterceptor.class)
                    .doesNotHaveBean(QueueDepthMetrics.class)
                    .doesNotHaveBean(WorkerStateMetrics.class);
                MeterRegistry registry = context.getBean(MeterRegistry.class);
                context.getBean(TaskClient.class).push("echo", "hello");
                Handlers handlers = context.getBean(Handlers.class);
                await().atMost(Duration.ofSeconds(10)).until(() -> handlers.handled == 1);
                registry.counter("other.counter").increment();

                assertThat(registry.getMeters()).noneMatch((meter) -> meter.getId().getName().startsWith("apalis."));
                assertThat(registry.find("other.counter").counter()).isNotNull();
            });
    }

    @Test
    void queueDepthCanBeSwitchedOffAlone() {
        this.runner.withPropertyValues("apalis.metrics.queue-depth.enabled=false")
            .run((context) -> assertThat(context).doesNotHaveBean(QueueDepthMetrics.class)
                .hasSingleBean(WorkerStateMetrics.class)
                .hasSingleBean(TaskWaitTimeInterceptor.class));
    }

    @Test
    void aRefreshIntervalUnderOneSecondFailsStartUp() {
        this.runner.withPropertyValues("apalis.metrics.queue-depth.refresh-interval=500ms")
            .run((context) -> assertThat(context).getFailure()
                .hasStackTraceContaining("apalis.metrics.queue-depth.refresh-interval=500ms")
                .hasStackTraceContaining("must be at least 1s"));
    }

    @Test
    void backsOffWhenTheApplicationDefinesTheMeters() {
        this.runner.withUserConfiguration(CustomQueueDepth.class).run((context) -> {
            assertThat(context).hasSingleBean(QueueDepthMetrics.class);
            assertThat(context.getBean(QueueDepthMetrics.class)).isSameAs(context.getBean("customQueueDepth"));
        });
    }

    @Test
    void withoutAMeterRegistryBeanNothingIsRegistered() {
        new ApplicationContextRunner().withPropertyValues("apalis.backend=memory")
            .withConfiguration(AutoConfigurations.of(ApalisAutoConfiguration.class, ApalisMetricsAutoConfiguration.class))
            .run((context) -> assertThat(context).hasNotFailed()
                .doesNotHaveBean(QueueDepthMetrics.class)
                .doesNotHaveBean(TaskWaitTimeInterceptor.class));
    }

    @Test
    void withoutMicrometerApalisStillStarts() {
        new ApplicationContextRunner().withPropertyValues("apalis.backend=memory")
            .withConfiguration(AutoConfigurations.of(ApalisAutoConfiguration.class, ApalisMetricsAutoConfiguration.class))
            .withClassLoader(new FilteredClassLoader(MeterRegistry.class))
            .run((context) -> assertThat(context).hasNotFailed()
                .doesNotHaveBean(QueueDepthMetrics.class)
                .hasSingleBean(Backend.class));
    }

    @Configuration(proxyBeanMethods = false)
    static class Handlers {

        volatile int handled;

        @TaskHandler("echo")
        void echo(String text) {
            this.handled++;
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class CustomQueueDepth {

        @Bean
        QueueDepthMetrics customQueueDepth(Backend backend) {
            return new QueueDepthMetrics(backend, Duration.ofMinutes(1));
        }

        @Bean
        SimpleMeterRegistry simpleMeterRegistry() {
            return new SimpleMeterRegistry();
        }
    }
}
