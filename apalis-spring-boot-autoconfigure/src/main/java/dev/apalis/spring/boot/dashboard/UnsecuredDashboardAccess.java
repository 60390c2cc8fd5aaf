package dev.apalis.spring.boot.dashboard;

import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;

/**
 * Access without Spring Security: everyone who reaches the path reads; acting is refused unless
 * {@code apalis.dashboard.access=unrestricted} was set explicitly. Either way every page says so.
 */
final class UnsecuredDashboardAccess implements DashboardAccess {

    private final boolean unrestricted;

    UnsecuredDashboardAccess(DashboardProperties properties) {
        this.unrestricted = properties.getAccess() == DashboardProperties.Access.UNRESTRICTED;
    }

    @Override
    public boolean canRead(HttpServletRequest request) {
        return true;
    }

    @Override
    public boolean canAct(HttpServletRequest request) {
        return this.unrestricted;
    }

    @Override
    public String refusal(HttpServletRequest request) {
        return "The dashboard is read-only: Spring Security is not on the class path. Add it and give operators the "
                + "operator role, or set apalis.dashboard.access=unrestricted if the path is protected otherwise.";
    }

    @Override
    public String user(HttpServletRequest request) {
        String user = request.getRemoteUser();
        return (user != null) ? user : "anonymous (" + request.getRemoteAddr() + ")";
    }

    @Override
    public @Nullable CsrfField csrf(HttpServletRequest request) {
        return null;
    }

    @Override
    public String notice(HttpServletRequest request) {
        return this.unrestricted
                ? "Unrestricted: Spring Security is not on the class path and apalis.dashboard.access=unrestricted, so "
                        + "anyone who reaches this page may retry, cancel and delete tasks."
                : refusal(request);
    }
}
