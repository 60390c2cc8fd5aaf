package dev.apalis.sample.mail;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Stands for an SMTP server, and a flaky one: it is busy for the first {@code sample.mail.busy-attempts}
 * tries of every message, then accepts it. It "sends" by logging, and sends a message once per
 * idempotency key, whatever the number of calls.
 */
@Component
public class MailServer {

    private static final Logger logger = LoggerFactory.getLogger(MailServer.class);

    private final int busyAttempts;

    private final Map<String, Integer> tries = new ConcurrentHashMap<>();

    private final Set<String> sent = ConcurrentHashMap.newKeySet();

    MailServer(@Value("${sample.mail.busy-attempts:2}") int busyAttempts) {
        this.busyAttempts = busyAttempts;
    }

    /**
     * Sends a message, at most once per idempotency key.
     * @param idempotencyKey identifies the message: a second call with it sends nothing
     * @param to the address
     * @param subject the subject
     * @throws MailServerBusyException on the first tries of each message
     */
    public void send(String idempotencyKey, String to, String subject) {
        int attempt = this.tries.merge(idempotencyKey, 1, Integer::sum);
        if (attempt <= this.busyAttempts) {
            throw new MailServerBusyException("421 Service not available, try again later (try " + attempt + ")");
        }
        if (this.sent.add(idempotencyKey)) {
            logger.info("Sent \"{}\" to {}", subject, to);
        }
    }

    /** The server refused the message for now; trying again later may work. */
    public static class MailServerBusyException extends RuntimeException {

        MailServerBusyException(String message) {
            super(message);
        }
    }
}
