package dev.apalis.spring.boot.observation;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.apalis.observation.ApalisTaskObservationContext;
import dev.apalis.observation.DefaultApalisTaskObservationConvention;
import dev.apalis.observation.ObservationPushInterceptor;
import dev.apalis.observation.ObservationTaskInterceptor;
import dev.apalis.spring.TaskClient;
import dev.apalis.spring.TaskHandler;
import dev.apalis.spring.boot.ApalisAutoConfiguration;
import dev.apalis.worker.TaskInterceptor;

import static io.micrometer.observation.tck.TestObservationRegistryAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * When the observation interceptors are defined, that they wrap pushes and attempts, run before the
 * application's interceptors, take a convention bean, and back off.
 */
class ApalisObservationAutoConfigurationTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
        .withPropertyValues("apalis.backend=memory")
        .withConfiguration(AutoConfigurations.of(ObservationAutoConfiguration.class, ApalisAutoConfiguration.class,
                ApalisObservationAutoConfiguration.class));

    @Test
    void withAnObservationRegistryPushesAndAttemptsAreObserved() {
        this.runner.withUserConfiguration(TestRegistryConfiguration.class, Handlers.class).run((context) -> {
            assertThat(context).hasSingleBean(ObservationTaskInterceptor.class)
                .hasSingleBean(ObservationPushInterceptor.class);
            TestObservationRegistry registry = context.getBean(TestObservationRegistry.class);
            context.getBean(TaskClient.class).push("echo", "hello");
            Handlers handlers = context.getBean(Handlers.class);
            await().atMost(Duration.ofSeconds(10)).until(() -> handlers.observedByInterceptor.size() == 1);

            assertThat(registry).hasObservationWithNameEqualTo("apalis.push")
                .that()
                .hasLowCardinalityKeyValue("queue", "echo");
            await().untilAsserted(() -> assertThat(registry).hasObservationWithNameEqualTo("apalis.task")
                .that()
                .hasLowCardinalityKeyValue("worker", "echo")
                .hasLowCardinalityKeyValue("outcome", "success"));
            // the application's interceptor runs inside the attempt's observation
            assertThat(handlers.observedByInterceptor).singleElement()
                .isInstanceOf(ApalisTaskObservationContext.class);
        });
    }

    @Test
    void aConventionBeanNamesTheObservations() {
        this.runner.withUserConfiguration(TestRegistryConfiguration.class, Handlers.class, ConventionConfiguration.class)
            .run((context) -> {
                context.getBean(TaskClient.class).push("echo", "hello");
                TestObservationRegistry registry = context.getBean(TestObservationRegistry.class);
                await().atMost(Duration.ofSeconds(10))
                    .untilAsserted(() -> assertThat(registry).hasObservationWithNameEqualTo("echo.task"));
            });
    }

    @Test
    void backsOffWhenTheApplicationDefinesTheInterceptors() {
        this.runner.withUserConfiguration(CustomInterceptors.class).run((context) -> {
            assertThat(context).hasSingleBean(ObservationTaskInterceptor.class)
                .hasSingleBean(ObservationPushInterceptor.class);
            assertThat(context.getBean(ObservationTaskInterceptor.class))
                .isSameAs(context.getBean("customTaskInterceptor"));
            assertThat(context).doesNotHaveBean("apalisObservationTaskInterceptor");
        });
    }

    @Test
    void withoutAnObservationRegistryBeanThereIsNoInterceptor() {
        new ApplicationContextRunner().withPropertyValues("apalis.backend=memory")
            .withConfiguration(AutoConfigurations.of(ApalisAutoConfiguration.class,
                    ApalisObservationAutoConfiguration.class))
            .run((context) -> assertThat(context).hasNotFailed()
                .doesNotHaveBean(ObservationTaskInterceptor.class)
                .doesNotHaveBean(ObservationPushInterceptor.class)
                .hasSingleBean(TaskClient.class));
    }

    @Test
    void withoutMicrometerObservationApalisStillStarts() {
        this.runner.withClassLoader(new FilteredClassLoader(ObservationRegistry.class))
            .run((context) -> assertThat(context).hasNotFailed()
                .doesNotHaveBean(ObservationTaskInterceptor.class)
                .hasSingleBean(TaskClient.class));
    }

    @Configuration(proxyBeanMethods = false)
    static class TestRegistryConfiguration {

        @Bean
        TestObservationRegistry testObservationRegistry() {
            return TestObservationRegistry.create();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class ConventionConfiguration {

        @Bean
        DefaultApalisTaskObservationConvention echoConvention() {
            return new DefaultApalisTaskObservationConvention() {

                @Override
                public String getName() {
                    return "echo.task";
                }
            };
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class CustomInterceptors {

        @Bean
        ObservationTaskInterceptor customTaskInterceptor() {
            return new ObservationTaskInterceptor(ObservationRegistry.NOOP);
        }

        @Bean
        ObservationPushInterceptor customPushInterceptor() {
            return new ObservationPushInterceptor(ObservationRegistry.NOOP);
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class Handlers {

        final List<Observation.Context> observedByInterceptor = new CopyOnWriteArrayList<>();

        @Bean
        TaskInterceptor applicationInterceptor(ObservationRegistry registry) {
            return (context, attempt) -> {
                Observation current = registry.getCurrentObservation();
                this.observedByInterceptor.add((current != null) ? current.getContext() : new Observation.Context());
                attempt.proceed();
            };
        }

        @TaskHandler("echo")
        void echo(String text) {
        }
    }
}
