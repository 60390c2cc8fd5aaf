package dev.apalis.spring.boot;

import java.util.Locale;

/**
 * How worker names are matched with {@code apalis.workers.<name>} keys: exactly, or else ignoring
 * case, dashes and underscores, the way Spring Boot matches property names (so that
 * {@code APALIS_WORKERS_EMAILSENDER_CONCURRENCY} reaches worker {@code emailSender}).
 */
final class WorkerNames {

    private WorkerNames() {
    }

    static String uniform(String name) {
        StringBuilder uniform = new StringBuilder(name.length());
        for (char c : name.toCharArray()) {
            if (Character.isLetterOrDigit(c)) {
                uniform.append(Character.toLowerCase(c));
            }
        }
        return (uniform.isEmpty()) ? name.toLowerCase(Locale.ROOT) : uniform.toString();
    }
}
