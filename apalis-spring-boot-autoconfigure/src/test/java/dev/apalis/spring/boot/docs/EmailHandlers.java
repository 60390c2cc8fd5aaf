package dev.apalis.spring.boot.docs;

import org.springframework.stereotype.Component;

import dev.apalis.spring.TaskHandler;
import dev.apalis.task.TaskContext;

/**
 * A handler: worker "email" consumes queue "email".
 */
@Component
public class EmailHandlers {

    private final Mailer mailer;

    EmailHandlers(Mailer mailer) {
        this.mailer = mailer;
    }

    @TaskHandler(value = "email", concurrency = "${mail.concurrency:4}", timeout = "30s")
    void send(Email email, TaskContext context) {
        this.mailer.send(email.to(), email.subject()); // throw to fail the attempt: it is retried with backoff
    }
}
