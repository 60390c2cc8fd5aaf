package dev.apalis.spring.boot.actuate;

import org.junit.jupiter.api.Test;

import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.endpoint.web.WebEndpointAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.apalis.spring.TaskHandler;
import dev.apalis.spring.boot.ApalisAutoConfiguration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * When the health indicator and the endpoint are defined: by default (health), when exposed
 * (endpoint), switched off, without Actuator, and back-off.
 */
class ApalisActuatorAutoConfigurationTests {

    private final ApplicationContextRunner health = new ApplicationContextRunner()
        .withPropertyValues("apalis.backend=memory")
        .withConfiguration(AutoConfigurations.of(ApalisAutoConfiguration.class,
                ApalisHealthContributorAutoConfiguration.class));

    private final WebApplicationContextRunner endpoint = new WebApplicationContextRunner()
        .withPropertyValues("apalis.backend=memory")
        .withConfiguration(AutoConfigurations.of(ApalisAutoConfiguration.class, EndpointAutoConfiguration.class,
                WebEndpointAutoConfiguration.class, ApalisEndpointAutoConfiguration.class));

    @Test
    void theHealthIndicatorIsNamedApalisAndReportsTheWorkers() {
        this.health.withUserConfiguration(Handlers.class).run((context) -> {
            assertThat(context).hasSingleBean(ApalisHealthIndicator.class).hasBean("apalisHealthIndicator");
            HealthIndicator indicator = context.getBean("apalisHealthIndicator", HealthIndicator.class);
            assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);
            assertThat(indicator.health().getDetails()).containsKey("workers");
        });
    }

    @Test
    void theHealthIndicatorCanBeSwitchedOff() {
        this.health.withPropertyValues("management.health.apalis.enabled=false")
            .run((context) -> assertThat(context).doesNotHaveBean(ApalisHealthIndicator.class));
    }

    @Test
    void theHealthIndicatorBacksOffForABeanOfTheSameName() {
        this.health.withUserConfiguration(CustomHealth.class).run((context) -> {
            assertThat(context).doesNotHaveBean(ApalisHealthIndicator.class);
            assertThat(context.getBean("apalisHealthIndicator")).isNotInstanceOf(ApalisHealthIndicator.class);
        });
    }

    @Test
    void withoutTheHealthModuleThereIsNoIndicator() {
        this.health.withClassLoader(new FilteredClassLoader(HealthIndicator.class))
            .run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(ApalisHealthIndicator.class));
    }

    @Test
    void theEndpointIsNotDefinedUnlessExposed() {
        this.endpoint.run((context) -> assertThat(context).hasNotFailed()
            .doesNotHaveBean(ApalisEndpoint.class)
            .doesNotHaveBean(ApalisEndpointWebExtension.class));
    }

    @Test
    void exposedOverHttpTheEndpointAndItsWebExtensionAreDefined() {
        this.endpoint.withPropertyValues("management.endpoints.web.exposure.include=apalis")
            .run((context) -> assertThat(context).hasSingleBean(ApalisEndpoint.class)
                .hasSingleBean(ApalisEndpointWebExtension.class));
    }

    @Test
    void noAccessMeansNoEndpointEvenWhenExposed() {
        this.endpoint
            .withPropertyValues("management.endpoints.web.exposure.include=apalis",
                    // a real application's environment also takes none, read-only, unrestricted
                    "management.endpoint.apalis.access=NONE")
            .run((context) -> assertThat(context).doesNotHaveBean(ApalisEndpoint.class));
    }

    @Test
    void withoutActuatorThereIsNoEndpoint() {
        new WebApplicationContextRunner().withPropertyValues("apalis.backend=memory",
                "management.endpoints.web.exposure.include=apalis")
            .withConfiguration(AutoConfigurations.of(ApalisAutoConfiguration.class, ApalisEndpointAutoConfiguration.class))
            .withClassLoader(new FilteredClassLoader("org.springframework.boot.actuate"))
            .run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(ApalisEndpoint.class));
    }

    @Configuration(proxyBeanMethods = false)
    static class Handlers {

        @TaskHandler("echo")
        void echo(String text) {
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class CustomHealth {

        @Bean
        HealthIndicator apalisHealthIndicator() {
            return () -> Health.up().build();
        }
    }
}
