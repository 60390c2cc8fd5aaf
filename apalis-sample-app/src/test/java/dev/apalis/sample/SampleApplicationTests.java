package dev.apalis.sample;

import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.web.client.RestClient;

import dev.apalis.spring.Workers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The sample app end to end, as started by the README's command: on its embedded PostgreSQL, over
 * HTTP, with Actuator on its own port. Signups push tasks that run to the end (checked in the task
 * table), the flaky mail server's failures are retried, a burst of signups shares the day's report,
 * a duplicate signup pushes nothing, a CRM outage pauses and resumes a worker, and Actuator reports.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
        properties = { "management.server.port=0", "sample.report.delay=3s", "sample.report.duration=100ms",
                "sample.crm.check-interval=100ms" })
@ExtendWith(OutputCaptureExtension.class)
class SampleApplicationTests {

    private static final Duration PATIENCE = Duration.ofSeconds(20);

    @LocalServerPort
    private int port;

    @LocalManagementPort
    private int managementPort;

    @Autowired
    private JdbcClient jdbc;

    @Autowired
    private Workers workers;

    private RestClient app;

    private RestClient management;

    @BeforeEach
    void clients() {
        this.app = client(this.port);
        this.management = client(this.managementPort);
    }

    @Test
    void aSignupOverHttpRunsItsTasksToTheEnd(CapturedOutput output) {
        String email = newAddress();
        ResponseEntity<JsonNode> response = signUp(email, "Ada");
        assertThat(response.getStatusCode().value()).isEqualTo(201);
        JsonNode receipt = response.getBody();
        String welcome = receipt.get("welcomeEmail").asString();
        String crm = receipt.get("crmSync").asString();
        String report = receipt.get("report").asString();
        assertThat(this.jdbc.sql("select email from signups where id = ?")
            .param(receipt.get("signup").asLong())
            .query(String.class)
            .single()).isEqualTo(email);

        await().atMost(PATIENCE).until(() -> List.of(status(welcome), status(crm), status(report)),
                (statuses) -> statuses.stream().allMatch("DONE"::equals));

        // the mail server is busy on the first two tries: two failed attempts, retried, then done
        assertThat(attempts(welcome)).isEqualTo(3);
        assertThat(attempts(crm)).isEqualTo(1);
        assertThat(this.jdbc.sql("select unique_key from apalis.tasks where id = ?::uuid")
            .param(report)
            .query(String.class)
            .single()).isEqualTo("signup-report:" + LocalDate.now(ZoneOffset.UTC));
        assertThat(output).contains("Task " + welcome + " (welcome-email) failed attempt 1: 421")
            .contains("Task " + welcome + " (welcome-email) failed attempt 2: 421");
        JsonNode task = this.app.get().uri("/tasks/{id}", welcome).retrieve().toEntity(JsonNode.class).getBody();
        assertThat(task.get("status").asString()).isEqualTo("DONE");
        assertThat(task.get("attempts").asInt()).isEqualTo(3);
    }

    @Test
    void theSignupsOfABurstShareTheDaysReport() {
        String first = signUp(newAddress(), "Bo").getBody().get("report").asString();
        String second = signUp(newAddress(), "Cy").getBody().get("report").asString();
        assertThat(second).isEqualTo(first);
        await().atMost(PATIENCE).until(() -> status(first), "DONE"::equals);
    }

    @Test
    void aDuplicateSignupIsRefusedAndPushesNothing() {
        String email = newAddress();
        assertThat(signUp(email, "Di").getStatusCode().value()).isEqualTo(201);
        ResponseEntity<JsonNode> duplicate = signUp(email, "Di again");
        assertThat(duplicate.getStatusCode().value()).isEqualTo(409);
        assertThat(this.jdbc.sql("select count(*) from apalis.tasks where queue = 'welcome-email' and payload->>'to' = ?")
            .param(email)
            .query(Long.class)
            .single()).isEqualTo(1);
    }

    @Test
    void theDashboardIsServedAndSaysThatItsActionsAreUnrestricted() {
        ResponseEntity<String> overview = this.app.get().uri("/apalis").retrieve().toEntity(String.class);
        assertThat(overview.getStatusCode().value()).isEqualTo(200);
        assertThat(overview.getBody()).contains("<h1>Overview</h1>").contains("Unrestricted: Spring Security is not");
    }

    @Test
    void anIncompleteSignupIsRefused() {
        assertThat(signUp("not an address", "Ed").getStatusCode().value()).isEqualTo(400);
        assertThat(this.app.get().uri("/tasks/not-an-id").retrieve().toEntity(JsonNode.class).getStatusCode().value())
            .isEqualTo(400);
    }

    @Test
    void theCrmSyncWorkerPausesDuringAnOutageAndResumesAfterIt() {
        assertThat(this.app.post().uri("/crm/outage").retrieve().toBodilessEntity().getStatusCode().value())
            .isEqualTo(204);
        String crm = signUp(newAddress(), "Flo").getBody().get("crmSync").asString();
        await().atMost(PATIENCE).until(() -> this.workers.get("crm-sync").isPaused());
        await().atMost(PATIENCE).until(() -> status(crm), "FAILED"::equals);
        assertThat(this.jdbc.sql("select last_error from apalis.tasks where id = ?::uuid")
            .param(crm)
            .query(String.class)
            .single()).contains("The CRM is down");
        JsonNode task = this.app.get().uri("/tasks/{id}", crm).retrieve().toEntity(JsonNode.class).getBody();
        assertThat(task.get("lastError").asString()).isEqualTo("dev.apalis.task.RetryTaskException: The CRM is down");

        this.app.delete().uri("/crm/outage").retrieve().toBodilessEntity();
        await().atMost(PATIENCE).until(() -> status(crm), "DONE"::equals);
        assertThat(this.workers.get("crm-sync").isPaused()).isFalse();
    }

    @Test
    void actuatorServesHealthAndMetricsOnTheManagementPort() {
        signUp(newAddress(), "Gus");
        ResponseEntity<JsonNode> health = this.management.get().uri("/actuator/health").retrieve().toEntity(JsonNode.class);
        assertThat(health.getStatusCode().value()).isEqualTo(200);
        assertThat(health.getBody().get("status").asString()).isEqualTo("UP");
        assertThat(health.getBody().at("/components/db/status").asString()).isEqualTo("UP");
        assertThat(this.app.get().uri("/actuator/health").retrieve().toEntity(JsonNode.class).getStatusCode().value())
            .as("Actuator is not on the application's port").isEqualTo(404);

        JsonNode names = this.management.get().uri("/actuator/metrics").retrieve().toEntity(JsonNode.class).getBody();
        assertThat(names.get("names").valueStream().map(JsonNode::asString))
            .contains("http.server.requests", "hikaricp.connections.active", "jvm.threads.live");
        await().atMost(PATIENCE).untilAsserted(() -> {
            JsonNode signups = this.management.get()
                .uri("/actuator/metrics/http.server.requests?tag=uri:/signups&tag=method:POST&tag=status:201")
                .retrieve()
                .toEntity(JsonNode.class)
                .getBody();
            assertThat(signups.at("/measurements/0/statistic").asString()).isEqualTo("COUNT");
            assertThat(signups.at("/measurements/0/value").asDouble()).isGreaterThanOrEqualTo(1);
        });
    }

    private ResponseEntity<JsonNode> signUp(String email, String name) {
        return this.app.post()
            .uri("/signups")
            .contentType(MediaType.APPLICATION_JSON)
            .body(Map.of("email", email, "name", name))
            .retrieve()
            .toEntity(JsonNode.class);
    }

    private String status(String taskId) {
        return this.jdbc.sql("select status from apalis.tasks where id = ?::uuid").param(taskId).query(String.class).single();
    }

    private int attempts(String taskId) {
        return this.jdbc.sql("select attempts from apalis.tasks where id = ?::uuid")
            .param(taskId)
            .query(Integer.class)
            .single();
    }

    private static String newAddress() {
        return UUID.randomUUID() + "@example.com";
    }

    static RestClient client(int port) {
        return RestClient.builder()
            .baseUrl("http://localhost:" + port)
            .defaultStatusHandler((status) -> true, (request, response) -> {
                // let the tests read error answers
            })
            .build();
    }
}
