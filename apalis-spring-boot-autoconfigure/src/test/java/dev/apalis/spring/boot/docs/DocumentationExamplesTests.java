package dev.apalis.spring.boot.docs;

import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import dev.apalis.spring.TaskClient;
import dev.apalis.spring.Workers;
import dev.apalis.spring.boot.ApalisAutoConfiguration;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskStatus;
import dev.apalis.worker.TaskInterceptor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The documentation's examples work as the documentation says, on the memory backend.
 */
class DocumentationExamplesTests {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(ApalisAutoConfiguration.class))
        .withBean(RecordingMailer.class)
        .withBean(RecordingAlerts.class)
        .withUserConfiguration(EmailHandlers.class, MaintenanceWindow.class, TaskEventListeners.class)
        .withPropertyValues("apalis.backend=memory");

    @Test
    void emailHandlerSendsPushedEmails() {
        this.runner.run((context) -> {
            TaskId id = context.getBean(TaskClient.class).push("email", new Email("ada@example.com", "Welcome"));
            await().atMost(WAIT).until(() -> context.getBean(TaskClient.class).status(id).orElseThrow() == TaskStatus.DONE);
            assertThat(context.getBean(RecordingMailer.class).sent).containsExactly("ada@example.com: Welcome");
            assertThat(context.getBean(Workers.class).definition("email").orElseThrow().concurrency()).isEqualTo(4);
        });
    }

    @Test
    void emailConcurrencyComesFromItsPlaceholder() {
        this.runner.withPropertyValues("mail.concurrency=2")
            .run((context) -> assertThat(context.getBean(Workers.class).definition("email").orElseThrow().concurrency())
                .isEqualTo(2));
    }

    @Test
    void maintenanceWindowPausesAndResumesTheEmailWorker() {
        this.runner.run((context) -> {
            MaintenanceWindow window = context.getBean(MaintenanceWindow.class);
            window.begin();
            assertThat(context.getBean(Workers.class).get("email").isPaused()).isTrue();
            window.end();
            assertThat(context.getBean(Workers.class).get("email").isPaused()).isFalse();
        });
    }

    @Test
    void killedTasksRaiseAnAlert() {
        this.runner.withPropertyValues("apalis.workers.email.max-attempts=1").run((context) -> {
            context.getBean(RecordingMailer.class).failWith = new IllegalStateException("mail server down");
            TaskId id = context.getBean(TaskClient.class).push("email", new Email("ada@example.com", "Welcome"));
            await().atMost(WAIT).until(() -> !context.getBean(RecordingAlerts.class).raised.isEmpty());
            assertThat(context.getBean(RecordingAlerts.class).raised.peek())
                .startsWith("Task " + id + " in queue email was killed: Gave up after 1 attempt");
        });
    }

    @Test
    void extensionsApplyToTheEmailWorker() {
        this.runner.withUserConfiguration(TaskExtensionsConfiguration.class)
            .withBean(TaskExtensionsConfiguration.RateLimits.class)
            .run((context) -> {
                assertThat(context).hasSingleBean(TaskInterceptor.class);
                TaskId id = context.getBean(TaskClient.class).push("email", new Email("ada@example.com", "Hi"));
                await().atMost(WAIT)
                    .until(() -> context.getBean(TaskClient.class).status(id).orElseThrow() == TaskStatus.DONE);
            });
    }

    static class RecordingMailer implements Mailer {

        final Queue<String> sent = new ConcurrentLinkedQueue<>();

        volatile RuntimeException failWith;

        @Override
        public void send(String to, String subject) {
            if (this.failWith != null) {
                throw this.failWith;
            }
            this.sent.add(to + ": " + subject);
        }
    }

    static class RecordingAlerts implements TaskEventListeners.Alerts {

        final Queue<String> raised = new ConcurrentLinkedQueue<>();

        @Override
        public void raise(String message) {
            this.raised.add(message);
        }
    }
}
