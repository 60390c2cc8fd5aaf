package dev.apalis.sample.signup;

import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

import dev.apalis.sample.crm.CrmContact;
import dev.apalis.sample.mail.WelcomeEmail;
import dev.apalis.spring.TaskClient;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskOptions;

/**
 * Stores a signup and pushes its tasks in one transaction: the tasks are stored (and seen by
 * workers) only if the signup is, and never for a signup that was rolled back. No outbox table, no
 * relay: the task table is the outbox.
 */
@Service
public class SignupService {

    private final JdbcClient jdbc;

    private final TaskClient tasks;

    private final Duration reportDelay;

    SignupService(JdbcClient jdbc, TaskClient tasks, @Value("${sample.report.delay:5s}") Duration reportDelay) {
        this.jdbc = jdbc;
        this.tasks = tasks;
        this.reportDelay = reportDelay;
    }

    @Transactional
    public SignupReceipt signUp(Signup signup) {
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        long id = this.jdbc.sql("insert into signups (email, name, created_on) values (?, ?, ?) returning id")
            .params(signup.email(), signup.name(), today)
            .query(Long.class)
            .single();
        TaskId welcome = this.tasks.push("welcome-email", new WelcomeEmail(id, signup.email(), signup.name()));
        TaskId crm = this.tasks.push("crm-sync", new CrmContact(id, signup.email(), signup.name()));
        TaskOptions oncePerDay = TaskOptions.defaults()
            .uniqueKey("signup-report:" + today)  // while today's report waits, later signups get its id
            .delay(this.reportDelay);             // so a burst of signups makes one report
        TaskId report = this.tasks.push("signup-report", today, oncePerDay);
        return new SignupReceipt(id, welcome.toString(), crm.toString(), report.toString());
    }   // the signup and its three tasks commit together, or none of them does
}
