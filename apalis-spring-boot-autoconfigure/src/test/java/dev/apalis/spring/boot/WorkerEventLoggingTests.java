package dev.apalis.spring.boot;

import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import dev.apalis.task.TaskId;
import dev.apalis.worker.WorkerEvent;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the library logs about workers by default.
 */
@ExtendWith(OutputCaptureExtension.class)
class WorkerEventLoggingTests {

    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

    private final WorkerEventLogging logging = new WorkerEventLogging();

    @Test
    void aKilledTaskIsAWarningWithItsIdQueueWorkerAttemptsAndTheFirstLineOfItsError(CapturedOutput output) {
        TaskId id = TaskId.next();
        this.logging.onEvent(null, new WorkerEvent.Start("email", NOW));
        this.logging.onEvent(null, new WorkerEvent.TaskKilled("email", NOW, id, "mail", 5,
                "java.lang.IllegalStateException: smtp down\n\tat a.b.C.d(C.java:1)"));

        assertThat(output).contains("INFO").contains("Apalis worker 'email' started");
        assertThat(output).contains("WARN")
            .contains("Task " + id + " of queue 'mail' was killed by worker 'email' after 5 attempts: "
                    + "java.lang.IllegalStateException: smtp down")
            .doesNotContain("C.java:1");
    }

    @Test
    void workerErrorsAreRateLimitedAndRecoveryIsReported(CapturedOutput output) {
        for (int i = 0; i < 5; i++) {
            this.logging.onEvent(null, new WorkerEvent.Error("email", NOW.plusSeconds(i),
                    new IllegalStateException("claim failed " + i)));
        }
        this.logging.onEvent(null, new WorkerEvent.Error("email", NOW.plusSeconds(31),
                new IllegalStateException("claim failed again")));
        this.logging.onEvent(null, new WorkerEvent.Idle("email", NOW.plusSeconds(40)));

        assertThat(output.toString().lines().filter((line) -> line.contains("met an error"))).hasSize(2);
        assertThat(output).contains("claim failed 0")
            .doesNotContain("claim failed 3")
            .contains("claim failed again (4 more since the last report)")
            .contains("Apalis worker 'email' works again after 6 errors");
    }

    @Test
    void startAndDrainAreLoggedAtInfo(CapturedOutput output) {
        new org.springframework.boot.test.context.runner.ApplicationContextRunner()
            .withConfiguration(org.springframework.boot.autoconfigure.AutoConfigurations.of(ApalisAutoConfiguration.class))
            .withPropertyValues("apalis.backend=memory")
            .withUserConfiguration(EmailHandler.class)
            .run((context) -> assertThat(context).hasNotFailed());

        assertThat(output).contains("Apalis worker 'email' started")
            .contains("Draining 1 Apalis worker: no more claims")
            .containsPattern("Drained 1 Apalis worker in \\d+ ms")
            .contains("Apalis worker 'email' stopped");
    }

    @org.springframework.context.annotation.Configuration(proxyBeanMethods = false)
    static class EmailHandler {

        @dev.apalis.spring.TaskHandler("email")
        void handle(String payload) {
        }
    }
}
