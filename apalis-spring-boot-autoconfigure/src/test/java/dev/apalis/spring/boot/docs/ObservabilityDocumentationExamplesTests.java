package dev.apalis.spring.boot.docs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.apalis.spring.TaskClient;
import dev.apalis.spring.TaskHandler;
import dev.apalis.spring.boot.ApalisAutoConfiguration;
import dev.apalis.spring.boot.metrics.ApalisMetricsAutoConfiguration;
import dev.apalis.spring.boot.observation.ApalisObservationAutoConfiguration;
import dev.apalis.task.TaskOptions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The examples of docs/observability.md do what it says.
 */
class ObservabilityDocumentationExamplesTests {

    @Test
    void theTenantConventionTagsTheTaskTimer() {
        new ApplicationContextRunner().withPropertyValues("apalis.backend=memory")
            .withConfiguration(AutoConfigurations.of(ObservationAutoConfiguration.class,
                    MetricsAutoConfiguration.class, CompositeMeterRegistryAutoConfiguration.class,
                    SimpleMetricsExportAutoConfiguration.class, ApalisAutoConfiguration.class,
                    ApalisObservationAutoConfiguration.class, ApalisMetricsAutoConfiguration.class))
            .withUserConfiguration(TenantObservationConfiguration.class, Handlers.class)
            .run((context) -> {
                context.getBean(TaskClient.class).push("invoices", "42", TaskOptions.defaults().metadata("tenant", "acme"));
                MeterRegistry meters = context.getBean(MeterRegistry.class);
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(meters.find("apalis.task")
                    .tags("tenant", "acme", "outcome", "success", "worker", "invoices")
                    .timer()).isNotNull());
            });
    }

    @Test
    void everyPropertyOfTheEndpointIsInTheDocument() throws IOException {
        String document = Files.readString(Path.of("../docs/observability.md"));
        JsonNode metadata = JsonMapper.builder()
            .build()
            .readTree(Files.readString(Path.of("target/classes/META-INF/spring-configuration-metadata.json")));
        List<String> endpointProperties = new ArrayList<>();
        metadata.get("properties").forEach((property) -> {
            String name = property.get("name").asString();
            if (name.startsWith("management.endpoint.apalis.")) {
                endpointProperties.add(name);
            }
        });

        assertThat(endpointProperties).contains("management.endpoint.apalis.access")
            .allSatisfy((name) -> assertThat(document).contains(name));
        assertThat(metadata.toString()).contains("\"defaultValue\":\"read_only\"");
    }

    static class Handlers {

        @TaskHandler("invoices")
        void invoice(String number) {
        }
    }
}
