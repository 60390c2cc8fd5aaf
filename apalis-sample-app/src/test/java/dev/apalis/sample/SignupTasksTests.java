package dev.apalis.sample;

import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

import dev.apalis.sample.crm.CrmContact;
import dev.apalis.sample.mail.WelcomeEmail;
import dev.apalis.sample.signup.Signup;
import dev.apalis.sample.signup.SignupReceipt;
import dev.apalis.sample.signup.SignupService;
import dev.apalis.spring.boot.test.AutoConfigureTaskTester;
import dev.apalis.spring.boot.test.PushedTask;
import dev.apalis.spring.boot.test.TaskRun;
import dev.apalis.spring.boot.test.TaskTester;
import dev.apalis.task.TaskStatus;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The sample's signup tasks, tested with the Apalis test kit: what a signup pushes, checked without
 * running it, and the welcome e-mail run in the test thread through the busy mail server's refusals,
 * its retries due when the test moves time rather than after a wait (the backoff is a minute here, so
 * that only the test's moves make them due).
 */
@SpringBootTest(properties = { "apalis.workers.welcome-email.backoff.initial=1m",
        "apalis.workers.welcome-email.backoff.max=10m" })
@AutoConfigureTaskTester
class SignupTasksTests {

    @Autowired
    private SignupService signups;

    @Autowired
    private TaskTester tasks;

    @BeforeEach
    void startWithoutWelcomeEmailsOfEarlierTests() {
        this.tasks.runAll("welcome-email");  // sends them, moving time through their retries
        this.tasks.reset();
    }

    @Test
    void aSignupPushesItsThreeTasksWithoutRunningThem() {
        SignupReceipt receipt = this.signups.signUp(new Signup("ada@example.com", "Ada"));

        assertThat(this.tasks.pushed()).extracting(PushedTask::queue)
            .containsExactly("welcome-email", "crm-sync", "signup-report");
        PushedTask welcome = this.tasks.pushed("welcome-email").get(0);
        assertThat(welcome.payload(WelcomeEmail.class))
            .isEqualTo(new WelcomeEmail(receipt.signup(), "ada@example.com", "Ada"));
        assertThat(this.tasks.pushed("crm-sync").get(0).payload(CrmContact.class).email())
            .isEqualTo("ada@example.com");
        PushedTask report = this.tasks.pushed("signup-report").get(0);
        assertThat(report.payload(LocalDate.class)).isEqualTo(LocalDate.now(ZoneOffset.UTC));
        assertThat(report.options().uniqueKey()).isEqualTo("signup-report:" + LocalDate.now(ZoneOffset.UTC));
        assertThat(report.options().delay()).isEqualTo(Duration.ofSeconds(5));
        assertThat(this.tasks.pushed()).extracting(PushedTask::status).containsOnly(TaskStatus.PENDING);
    }

    @Test
    void theWelcomeEmailIsRetriedUntilTheBusyMailServerTakesIt() {
        SignupReceipt receipt = this.signups.signUp(new Signup("grace@example.com", "Grace"));

        // 421 from the mail server: retried after the worker's backoff (1 min, then doubling, +-10%)
        assertThat(this.tasks.runPending("welcome-email")).singleElement().satisfies((run) -> {
            assertThat(run.taskId().toString()).isEqualTo(receipt.welcomeEmail());
            assertThat(run.retried()).isTrue();
            assertThat(run.failure()).hasMessageContaining("421");
        });
        assertThat(this.tasks.runPending("welcome-email")).as("not due before the backoff").isEmpty();

        this.tasks.advance(Duration.ofMinutes(2));
        assertThat(this.tasks.runPending("welcome-email")).extracting(TaskRun::outcome)
            .containsExactly(TaskRun.Outcome.RETRIED);
        this.tasks.advance(Duration.ofMinutes(3));
        List<TaskRun> third = this.tasks.runPending("welcome-email");
        assertThat(third).singleElement().satisfies((run) -> {
            assertThat(run.attempt()).isEqualTo(3);
            assertThat(run.succeeded()).isTrue();
        });
        assertThat(this.tasks.pushed("welcome-email").get(0).status()).isEqualTo(TaskStatus.DONE);
    }
}
