package dev.apalis.spring.boot.actuate;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.web.client.RestClient;

import dev.apalis.spring.TaskHandler;
import dev.apalis.spring.Workers;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Actuator's exposure and access rules hold for the {@code apalis} endpoint: nothing over HTTP unless
 * exposed; exposed, it is read-only until its access is {@code unrestricted}.
 */
class ApalisEndpointExposureTests {

    static int status(int port, String method, String path) {
        RestClient http = RestClient.builder()
            .baseUrl("http://localhost:" + port)
            .defaultStatusHandler(HttpStatusCode::isError, (request, response) -> {
            })
            .build();
        if ("GET".equals(method)) {
            return http.get().uri(path).retrieve().toBodilessEntity().getStatusCode().value();
        }
        return http.post()
            .uri(path)
            .contentType(MediaType.APPLICATION_JSON)
            .body("{\"action\":\"pause\"}")
            .retrieve()
            .toBodilessEntity()
            .getStatusCode()
            .value();
    }

    @Nested
    @DirtiesContext
    @SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
            classes = ApalisEndpointExposureTests.Application.class, properties = "apalis.backend=memory")
    class NotExposed {

        @LocalServerPort
        int port;

        @Autowired
        Workers workers;

        @Test
        void neitherReadsNorWritesAreReachable() {
            assertThat(status(this.port, "GET", "/actuator/apalis")).isEqualTo(404);
            assertThat(status(this.port, "GET", "/actuator/apalis/workers/echo")).isEqualTo(404);
            assertThat(status(this.port, "POST", "/actuator/apalis/workers/echo")).isEqualTo(404);
            assertThat(this.workers.get("echo").isPaused()).isFalse();
            assertThat(status(this.port, "GET", "/actuator/health")).isEqualTo(200);
        }
    }

    @Nested
    @DirtiesContext
    @SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
            classes = ApalisEndpointExposureTests.Application.class,
            properties = { "apalis.backend=memory", "management.endpoints.web.exposure.include=apalis" })
    class ExposedWithDefaultAccess {

        @LocalServerPort
        int port;

        @Autowired
        Workers workers;

        @Test
        void readsAreReachableAndWritesAreNot() {
            assertThat(status(this.port, "GET", "/actuator/apalis")).isEqualTo(200);
            assertThat(status(this.port, "GET", "/actuator/apalis/workers/echo")).isEqualTo(200);
            assertThat(status(this.port, "POST", "/actuator/apalis/workers/echo")).isEqualTo(405);
            assertThat(this.workers.get("echo").isPaused()).isFalse();
        }
    }

    @Nested
    @DirtiesContext
    @SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
            classes = ApalisEndpointExposureTests.Application.class,
            properties = { "apalis.backend=memory", "management.endpoints.web.exposure.include=apalis",
                    "management.endpoint.apalis.access=unrestricted" })
    class ExposedWithUnrestrictedAccess {

        @LocalServerPort
        int port;

        @Autowired
        Workers workers;

        @Test
        void writesAreReachable() {
            try {
                assertThat(status(this.port, "POST", "/actuator/apalis/workers/echo")).isEqualTo(200);
                assertThat(this.workers.get("echo").isPaused()).isTrue();
            }
            finally {
                this.workers.get("echo").resume();
            }
        }
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration(excludeName = "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration")
    @Import(Handlers.class)
    static class Application {

    }

    static class Handlers {

        @TaskHandler("echo")
        void echo(String text) {
        }
    }
}
