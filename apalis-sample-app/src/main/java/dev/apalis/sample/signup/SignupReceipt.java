package dev.apalis.sample.signup;

/**
 * What {@code POST /signups} answers: the stored signup and the tasks pushed for it. Look a task up
 * with {@code GET /tasks/{id}}.
 *
 * @param signup the signup's id
 * @param welcomeEmail the id of the welcome e-mail task
 * @param crmSync the id of the CRM sync task
 * @param report the id of the day's signup report task, shared by every signup until it runs
 */
public record SignupReceipt(long signup, String welcomeEmail, String crmSync, String report) {
}
