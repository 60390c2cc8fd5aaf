package dev.apalis.spring.boot;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.autoconfigure.context.PropertyPlaceholderAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Configuration;

import dev.apalis.spring.TaskHandler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;

/**
 * What a user sees when Apalis cannot start: Spring Boot's failure analysis, with the property or
 * the handler named and what to do.
 */
@ExtendWith(OutputCaptureExtension.class)
class StartupFailureReportTests {

    @Test
    void invalidPropertyIsReportedWithItsNameValueAndReason(CapturedOutput output) {
        assertThatException().isThrownBy(() -> run("apalis.defaults.concurrency=-2"));
        assertThat(output).contains("APPLICATION FAILED TO START")
            .contains("apalis.defaults.concurrency=-2 (from ")
            .contains("must be 1 or more")
            .contains("Action:");
    }

    @Test
    void unknownBackendIsReportedWithTheValidValues(CapturedOutput output) {
        assertThatException().isThrownBy(() -> run("apalis.backend=redis"));
        assertThat(output).contains("APPLICATION FAILED TO START")
            .contains("apalis.backend=redis")
            .contains("must be one of auto, jdbc, memory");
    }

    @Test
    void unknownWorkerIsReportedWithTheKnownOnesAndAnAction(CapturedOutput output) {
        assertThatException().isThrownBy(() -> run("apalis.workers.emial.concurrency=2"));
        assertThat(output).contains("APPLICATION FAILED TO START")
            .contains("Description:")
            .contains("apalis.workers configures a worker that no @TaskHandler defines: emial. Known workers: email.")
            .contains("Action:")
            .contains("Fix the worker name under apalis.workers");
    }

    private static void run(String... properties) {
        new SpringApplicationBuilder(Application.class).web(WebApplicationType.NONE)
            .properties("apalis.backend=memory")
            .properties(properties)
            .run()
            .close();
    }

    @Configuration(proxyBeanMethods = false)
    @ImportAutoConfiguration({ PropertyPlaceholderAutoConfiguration.class, ApalisAutoConfiguration.class })
    static class Application {

        @TaskHandler("email")
        void send(String email) {
        }
    }
}
