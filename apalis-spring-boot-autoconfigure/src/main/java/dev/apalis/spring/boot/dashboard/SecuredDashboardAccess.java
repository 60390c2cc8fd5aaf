package dev.apalis.spring.boot.dashboard;

import java.security.Principal;

import jakarta.servlet.http.HttpServletRequest;
import org.jspecify.annotations.Nullable;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.web.csrf.CsrfToken;

/**
 * Access with Spring Security: the application's filter chain authenticates; reading needs the viewer
 * or the operator role, acting the operator role and Spring Security's CSRF token (actions are refused
 * where the chain has CSRF protection turned off for the dashboard's path).
 */
final class SecuredDashboardAccess implements DashboardAccess {

    private final String viewerRole;

    private final String operatorRole;

    SecuredDashboardAccess(DashboardProperties properties) {
        this.viewerRole = properties.getViewerRole();
        this.operatorRole = properties.getOperatorRole();
    }

    @Override
    public boolean canRead(HttpServletRequest request) {
        return hasRole(request, this.viewerRole) || hasRole(request, this.operatorRole);
    }

    @Override
    public boolean canAct(HttpServletRequest request) {
        return hasRole(request, this.operatorRole) && token(request) != null;
    }

    @Override
    public String refusal(HttpServletRequest request) {
        if (!hasRole(request, this.operatorRole)) {
            return "Only users with the role " + this.operatorRole + " may act on tasks, queues, workers and schedules.";
        }
        return "Actions need Spring Security's CSRF protection, which is turned off for this path: turn it on for the "
                + "dashboard's path in your SecurityFilterChain.";
    }

    @Override
    public String user(HttpServletRequest request) {
        Principal principal = request.getUserPrincipal();
        if (principal != null) {
            return principal.getName();
        }
        Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
        return (authentication != null) ? authentication.getName() : "anonymous";
    }

    @Override
    public @Nullable CsrfField csrf(HttpServletRequest request) {
        CsrfToken token = token(request);
        return (token != null) ? new CsrfField(token.getParameterName(), token.getToken()) : null;
    }

    @Override
    public @Nullable String notice(HttpServletRequest request) {
        return canAct(request) ? null : "Read-only: " + refusal(request);
    }

    private static @Nullable CsrfToken token(HttpServletRequest request) {
        return (request.getAttribute(CsrfToken.class.getName()) instanceof CsrfToken token) ? token : null;
    }

    private static boolean hasRole(HttpServletRequest request, String role) {
        if (request.isUserInRole(role)) {
            return true;
        }
        Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
        if (authentication == null || !authentication.isAuthenticated()) {
            return false;
        }
        for (GrantedAuthority authority : authentication.getAuthorities()) {
            if (("ROLE_" + role).equals(authority.getAuthority())) {
                return true;
            }
        }
        return false;
    }
}
