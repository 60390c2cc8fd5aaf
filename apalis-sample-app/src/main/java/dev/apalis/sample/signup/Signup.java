package dev.apalis.sample.signup;

/**
 * A signup, as posted to {@code POST /signups}.
 *
 * @param email the new user's e-mail address
 * @param name the new user's name
 */
public record Signup(String email, String name) {
}
