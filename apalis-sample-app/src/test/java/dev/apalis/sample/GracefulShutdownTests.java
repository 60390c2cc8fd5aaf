package dev.apalis.sample;

import java.time.Duration;
import java.util.Map;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.simple.JdbcClient;

import dev.apalis.spring.Workers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Closing the sample app while its slow report runs: the report finishes during the shutdown and is
 * recorded as done, and no task is left running. The database is the test's own, given by
 * {@code spring.datasource.url}, so that it can be read after the application has closed (and so that
 * this also checks that the app then uses it and starts no embedded server).
 */
@ExtendWith(OutputCaptureExtension.class)
class GracefulShutdownTests {

    @Test
    void closingTheAppWaitsForTheSlowReportAndLeavesNothingRunning(CapturedOutput output) throws Exception {
        try (EmbeddedPostgres postgres = EmbeddedPostgres.builder().start()) {
            // command-line arguments, which override application.yml (default properties would not)
            ConfigurableApplicationContext application = new SpringApplicationBuilder(SampleApplication.class)
                .run("--spring.datasource.url=" + postgres.getJdbcUrl("postgres", "postgres"),
                        "--spring.datasource.username=postgres", "--server.port=0", "--management.server.port=0",
                        "--sample.report.delay=0s", "--sample.report.duration=3s", "--sample.mail.busy-attempts=0");
            assertThat(application.getBeansOfType(EmbeddedPostgresServer.class)).isEmpty();
            int port = application.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
            JsonNode receipt = SampleApplicationTests.client(port)
                .post()
                .uri("/signups")
                .contentType(MediaType.APPLICATION_JSON)
                .body(Map.of("email", "hal@example.com", "name", "Hal"))
                .retrieve()
                .body(JsonNode.class);
            String report = receipt.get("report").asString();
            Workers workers = application.getBean(Workers.class);
            await().atMost(Duration.ofSeconds(20)).until(() -> workers.get("signup-report").inFlight() == 1);

            application.close();

            assertThat(output).as("the shutdown began with the report in flight")
                .contains("wait for their tasks in flight (signup-report: 1 in flight");

            JdbcClient jdbc = JdbcClient.create(postgres.getPostgresDatabase());
            assertThat(jdbc.sql("select status, attempts from apalis.tasks where id = ?::uuid")
                .param(report)
                .query((row, n) -> row.getString("status") + "/" + row.getInt("attempts"))
                .single()).as("the report finished during the shutdown, in its first attempt").isEqualTo("DONE/1");
            assertThat(jdbc.sql("select count(*) from apalis.tasks where status = 'RUNNING'").query(Long.class).single())
                .isZero();
        }
    }
}
