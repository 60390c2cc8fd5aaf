package dev.apalis.spring.boot.docs;

/**
 * Sends mail; stands for whatever a handler calls.
 */
public interface Mailer {

    void send(String to, String subject);
}
