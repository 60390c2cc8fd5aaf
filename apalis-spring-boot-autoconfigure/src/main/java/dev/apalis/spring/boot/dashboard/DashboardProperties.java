package dev.apalis.spring.boot.dashboard;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Settings of the web dashboard, under {@code apalis.dashboard}.
 */
@ConfigurationProperties("apalis.dashboard")
public class DashboardProperties {

    /** Whether the dashboard is served (in a Spring MVC application). */
    private boolean enabled;

    /** Path under which the dashboard is served, starting with a slash. */
    private String path = "/apalis";

    /**
     * What users may do when Spring Security is not on the class path: read only, or also act
     * (unrestricted). With Spring Security, the roles decide and this is ignored.
     */
    private Access access = Access.READ_ONLY;

    /** Role that may read and act (retry, cancel, delete, pause), without the ROLE_ prefix. */
    private String operatorRole = "APALIS_OPERATOR";

    /** Role that may read the dashboard, without the ROLE_ prefix. */
    private String viewerRole = "APALIS_VIEWER";

    /** How often an open page refreshes its figures; 0 turns live refresh off. */
    private Duration refreshInterval = Duration.ofSeconds(5);

    /** Tasks on one page of a queue listing, 1 to 1,000. */
    private int pageSize = 50;

    /**
     * Whether the dashboard is served.
     * @return {@code true} when it is
     */
    public boolean isEnabled() {
        return this.enabled;
    }

    /**
     * Sets whether the dashboard is served.
     * @param enabled whether it is
     */
    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    /**
     * The path of the dashboard.
     * @return the path, starting with a slash, without a trailing one
     */
    public String getPath() {
        return this.path;
    }

    /**
     * Sets the path of the dashboard.
     * @param path the path, such as {@code /apalis} or {@code /admin/tasks}
     */
    public void setPath(String path) {
        this.path = path;
    }

    /**
     * What users may do without Spring Security.
     * @return the access
     */
    public Access getAccess() {
        return this.access;
    }

    /**
     * Sets what users may do without Spring Security.
     * @param access the access
     */
    public void setAccess(Access access) {
        this.access = access;
    }

    /**
     * The role that may act.
     * @return the role, without the {@code ROLE_} prefix
     */
    public String getOperatorRole() {
        return this.operatorRole;
    }

    /**
     * Sets the role that may act.
     * @param operatorRole the role, without the {@code ROLE_} prefix
     */
    public void setOperatorRole(String operatorRole) {
        this.operatorRole = operatorRole;
    }

    /**
     * The role that may read.
     * @return the role, without the {@code ROLE_} prefix
     */
    public String getViewerRole() {
        return this.viewerRole;
    }

    /**
     * Sets the role that may read.
     * @param viewerRole the role, without the {@code ROLE_} prefix
     */
    public void setViewerRole(String viewerRole) {
        this.viewerRole = viewerRole;
    }

    /**
     * How often an open page refreshes its figures.
     * @return the interval, zero for never
     */
    public Duration getRefreshInterval() {
        return this.refreshInterval;
    }

    /**
     * Sets how often an open page refreshes its figures.
     * @param refreshInterval the interval, zero for never
     */
    public void setRefreshInterval(Duration refreshInterval) {
        this.refreshInterval = refreshInterval;
    }

    /**
     * The tasks on one page of a listing.
     * @return the page size
     */
    public int getPageSize() {
        return this.pageSize;
    }

    /**
     * Sets the tasks on one page of a listing.
     * @param pageSize the page size, 1 to 1,000
     */
    public void setPageSize(int pageSize) {
        this.pageSize = pageSize;
    }

    /**
     * Checks the settings, with messages that say what to write instead.
     * @throws IllegalStateException for a path, role, interval or page size that cannot work
     */
    void validate() {
        if (this.path == null || !this.path.matches("(/[A-Za-z0-9._~-]+)+")) {
            throw new IllegalStateException("apalis.dashboard.path must start with '/' and hold only letters, digits, "
                    + "'.', '_', '~', '-' and '/' between segments (no trailing '/'), such as /apalis; was '" + this.path
                    + "'");
        }
        for (String role : new String[] { this.operatorRole, this.viewerRole }) {
            if (role == null || role.isBlank() || role.startsWith("ROLE_")) {
                throw new IllegalStateException("apalis.dashboard.operator-role and viewer-role name a role without "
                        + "its ROLE_ prefix, such as APALIS_OPERATOR; was '" + role + "'");
            }
        }
        if (this.refreshInterval == null || this.refreshInterval.isNegative()) {
            throw new IllegalStateException("apalis.dashboard.refresh-interval must be zero (off) or positive, such as "
                    + "5s; was " + this.refreshInterval);
        }
        if (this.pageSize < 1 || this.pageSize > 1_000) {
            throw new IllegalStateException("apalis.dashboard.page-size must be between 1 and 1000; was " + this.pageSize);
        }
    }

    /**
     * What users may do with the dashboard when Spring Security is not on the class path.
     */
    public enum Access {

        /** Read every page; every action is refused (the pages say so). */
        READ_ONLY,

        /** Read and act, for anyone who reaches the path: only behind your own protection. */
        UNRESTRICTED
    }
}
