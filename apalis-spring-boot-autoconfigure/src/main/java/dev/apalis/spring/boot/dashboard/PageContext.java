package dev.apalis.spring.boot.dashboard;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

import org.jspecify.annotations.Nullable;

/**
 * What every page of one request needs: where the dashboard lives, who asks and what they may do.
 *
 * @param base the dashboard's path, such as {@code /context/apalis}
 * @param user the user's name
 * @param canAct whether the user may act (action buttons are shown only then)
 * @param csrf the CSRF field forms carry, or {@code null}
 * @param notice how the dashboard is protected, shown on every page, or {@code null}
 * @param refreshMillis how often live parts refresh, 0 for never
 */
record PageContext(String base, String user, boolean canAct, DashboardAccess.@Nullable CsrfField csrf,
        @Nullable String notice, long refreshMillis) {

    /** A path under the dashboard: {@code url("/queues/", name)} with each part after the first encoded. */
    String url(String path, String... parts) {
        StringBuilder url = new StringBuilder(this.base).append(path);
        for (String part : parts) {
            url.append(encode(part));
        }
        return url.toString();
    }

    /** A query parameter's value, encoded. */
    static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
