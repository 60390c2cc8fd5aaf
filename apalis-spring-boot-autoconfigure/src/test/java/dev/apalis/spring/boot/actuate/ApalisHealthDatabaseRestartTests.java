package dev.apalis.spring.boot.actuate;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Import;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.apalis.spring.TaskClient;
import dev.apalis.spring.TaskHandler;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskStatus;
import dev.apalis.test.DatabaseOutage;
import dev.apalis.test.TestPostgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The {@code apalis} health follows the database: UP, DOWN while the PostgreSQL server is stopped
 * (with the worker reported failing), UP again once it is back. Needs a server the tests own (the
 * embedded one).
 */
@SpringBootTest(properties = { "spring.datasource.hikari.connection-timeout=500",
        "apalis.defaults.poll-interval=200ms", "apalis.jdbc.heartbeat-interval=500ms" })
@DirtiesContext
class ApalisHealthDatabaseRestartTests {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private static final TestPostgres.Database DATABASE = TestPostgres
        .createDatabase("ApalisHealthDatabaseRestartTests");

    @DynamicPropertySource
    static void dataSource(DynamicPropertyRegistry registry) {
        DATABASE.register(registry);
    }

    @Autowired
    @Qualifier("apalisHealthIndicator")
    private HealthIndicator health;

    @Autowired
    private TaskClient client;

    @Test
    void downWhileTheDatabaseIsStoppedAndUpAgainAfter() throws Exception {
        DatabaseOutage outage = DatabaseOutage.ofTestServer();

        assertThat(this.health.health().getStatus()).isEqualTo(Status.UP);
        assertThat(workerState(this.health.health())).isEqualTo("RUNNING");

        outage.during(() -> await().atMost(WAIT).untilAsserted(() -> {
            Health down = this.health.health();
            assertThat(down.getStatus()).isEqualTo(Status.DOWN);
            assertThat(down.getDetails()).containsKey("error");
            assertThat(workerState(down)).isEqualTo("FAILING");
        }));

        await().atMost(WAIT).until(() -> this.health.health().getStatus().equals(Status.UP));
        TaskId id = this.client.push("steady", "after the restart");
        await().atMost(WAIT).until(() -> this.client.status(id).orElseThrow() == TaskStatus.DONE);
        assertThat(workerState(this.health.health())).isEqualTo("RUNNING");
    }

    @SuppressWarnings("unchecked")
    private static String workerState(Health health) {
        Map<String, Object> workers = (Map<String, Object>) health.getDetails().get("workers");
        return (String) ((Map<String, Object>) workers.get("steady")).get("state");
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    @Import(Handlers.class)
    static class Application {

    }

    static class Handlers {

        @TaskHandler("steady")
        void steady(String payload) {
        }
    }
}
