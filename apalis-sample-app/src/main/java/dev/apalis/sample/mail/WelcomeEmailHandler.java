package dev.apalis.sample.mail;

import org.springframework.stereotype.Component;

import dev.apalis.spring.TaskHandler;
import dev.apalis.task.TaskContext;

/**
 * Sends the welcome e-mail. The mail server is busy on the first tries, so the first attempts fail
 * and are retried with the backoff set in {@code application.yml}; the FailureLogger logs each one.
 */
@Component
class WelcomeEmailHandler {

    private final MailServer mailServer;

    WelcomeEmailHandler(MailServer mailServer) {
        this.mailServer = mailServer;
    }

    @TaskHandler("welcome-email")                        // worker "welcome-email", queue "welcome-email"
    void send(WelcomeEmail email, TaskContext context) { // the payload type comes from the parameter
        String messageId = context.taskId().toString();  // the same on every attempt: sent once
        this.mailServer.send(messageId, email.to(), "Welcome, " + email.name()); // throws: retried with backoff
    }
}
