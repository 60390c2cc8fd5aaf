package dev.apalis.spring.boot.dashboard;

import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

/**
 * Who may read the dashboard and who may act on it, and the CSRF field its forms carry. One of two
 * implementations applies: {@link SecuredDashboardAccess} when Spring Security is on the class path,
 * {@link UnsecuredDashboardAccess} otherwise.
 */
interface DashboardAccess {

    /** Whether the request's user may read the pages. */
    boolean canRead(HttpServletRequest request);

    /** Whether the request's user may act; when not, {@link #refusal} says why. */
    boolean canAct(HttpServletRequest request);

    /** Why an action is refused, in a sentence that says what to do. */
    String refusal(HttpServletRequest request);

    /** The name of the request's user, for events and logs. */
    String user(HttpServletRequest request);

    /** The hidden CSRF field every form carries, or {@code null} when none applies. */
    @Nullable CsrfField csrf(HttpServletRequest request);

    /** A notice shown on every page about how the dashboard is protected, or {@code null}. */
    @Nullable String notice(HttpServletRequest request);

    /**
     * A hidden form field.
     * @param name the parameter's name
     * @param value the token
     */
    record CsrfField(String name, String value) {
    }
}
