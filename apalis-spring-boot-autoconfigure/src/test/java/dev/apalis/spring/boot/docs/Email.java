package dev.apalis.spring.boot.docs;

/**
 * An example payload: any JSON-mappable type works, records included.
 *
 * @param to the recipient
 * @param subject the subject
 */
public record Email(String to, String subject) {
}
