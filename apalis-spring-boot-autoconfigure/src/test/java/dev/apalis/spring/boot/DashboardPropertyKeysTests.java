package dev.apalis.spring.boot;

import java.beans.PropertyDescriptor;
import java.util.Arrays;

import org.junit.jupiter.api.Test;

import org.springframework.beans.BeanUtils;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.apalis.spring.boot.dashboard.DashboardProperties;

import static org.assertj.core.api.Assertions.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.InstanceOfAssertFactories.STRING;

/**
 * The dashboard's keys ({@code apalis.dashboard.*}, bound by {@link DashboardProperties}) are known to
 * the unknown-key check, and a misspelt one is still reported.
 */
class DashboardPropertyKeysTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(ApalisAutoConfiguration.class))
        .withPropertyValues("apalis.backend=memory");

    @Test
    void everyDashboardPropertyIsAKnownKey() {
        PropertyDescriptor[] descriptors = BeanUtils.getPropertyDescriptors(DashboardProperties.class);
        assertThat(Arrays.stream(descriptors).filter((d) -> d.getWriteMethod() != null)).isNotEmpty()
            .allSatisfy((descriptor) -> {
                String key = "apalis.dashboard." + descriptor.getName().replaceAll("([A-Z])", "-$1").toLowerCase();
                assertThat(ApalisPropertyKeys.find(ConfigurationPropertyName.of(key))).as(key).isNotNull();
            });
    }

    @Test
    void knownDashboardKeysStartTheApplication() {
        this.runner.withPropertyValues("apalis.dashboard.enabled=true", "apalis.dashboard.path=/ops/tasks",
                "apalis.dashboard.access=unrestricted", "apalis.dashboard.refresh-interval=2s")
            .run((context) -> assertThat(context).hasNotFailed());
    }

    @Test
    void aMisspeltDashboardKeyIsReportedWithTheClosestKnownKey() {
        this.runner.withPropertyValues("apalis.dashboard.enabld=true")
            .run((context) -> assertThat(ApalisPropertiesTests.problems(context)).singleElement(as(STRING))
                .startsWith("apalis.dashboard.enabld=true")
                .endsWith("is not a known property; did you mean apalis.dashboard.enabled?"));
    }
}
