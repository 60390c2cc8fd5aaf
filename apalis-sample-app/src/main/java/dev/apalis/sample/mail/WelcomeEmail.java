package dev.apalis.sample.mail;

/**
 * The payload of a {@code welcome-email} task, stored as JSON.
 *
 * @param signup the signup's id
 * @param to the address
 * @param name the new user's name
 */
public record WelcomeEmail(long signup, String to, String name) {
}
