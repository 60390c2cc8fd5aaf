package dev.apalis.spring.boot.dashboard;

import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;

/**
 * The frame of every page: head, skip link, navigation, the protection notice, the main content and
 * the live-refresh controls (shown only when JavaScript runs). Parts of the content marked
 * {@code data-live} with an id are replaced in place by the script at each refresh.
 */
final class Layout {

    /** The navigation's entries: path under the dashboard and label. */
    private static final String[][] NAVIGATION = { { "", "Overview" }, { "/failed", "Failed and killed" },
            { "/schedules", "Schedules" } };

    private Layout() {
    }

    /**
     * A whole page.
     * @param context the request's context
     * @param title the page's title (and heading)
     * @param current the navigation entry it belongs to ({@code ""}, {@code /failed}, ...), or {@code null}
     * @param live whether its live parts refresh on their own (off on a task's page, which one reads)
     * @param content writes the content after the heading
     * @return the page
     */
    static String page(PageContext context, String title, @Nullable String current, boolean live, Consumer<Html> content) {
        Html html = new Html();
        html.open("html", "lang", "en");
        html.open("head");
        html.empty("meta", "charset", "utf-8");
        html.empty("meta", "name", "viewport", "content", "width=device-width, initial-scale=1");
        html.element("title", title + " · Apalis");
        html.empty("link", "rel", "stylesheet", "href", context.url("/assets/dashboard.css"));
        html.open("script", "src", context.url("/assets/dashboard.js"), "defer", "").end();
        html.end();
        html.open("body", "data-refresh-ms", String.valueOf(context.refreshMillis()), "data-live",
                (live && context.refreshMillis() > 0) ? "on" : "off");
        html.link("#main", "Skip to content", "class", "skip");
        html.open("header");
        html.element("p", "Apalis", "class", "brand");
        html.open("nav", "aria-label", "Dashboard");
        html.open("ul");
        for (String[] entry : NAVIGATION) {
            html.open("li");
            html.link(context.url(entry[0].isEmpty() ? "/" : entry[0]), entry[1], "aria-current",
                    entry[0].equals(current) ? "page" : null);
            html.end();
        }
        html.end().end();
        html.element("p", "Signed in as " + context.user() + (context.canAct() ? " · may act" : " · read-only"),
                "class", "user");
        html.end();
        if (context.notice() != null) {
            html.element("p", context.notice(), "class", "notice", "role", "note");
        }
        html.open("main", "id", "main");
        html.element("h1", title);
        content.accept(html);
        html.end();
        html.open("footer");
        if (live && context.refreshMillis() > 0) {
            html.open("p", "class", "live-controls", "hidden", "");
            html.element("button", "Pause live updates", "type", "button", "id", "live-toggle", "aria-pressed", "false");
            html.text(" ");
            html.element("span", "", "id", "live-status", "aria-live", "polite");
            html.end();
        }
        html.element("p", "Times are UTC. Counts above 1,000 are estimates (marked ≈).", "class", "hint");
        html.end();
        html.end().end();
        return html.toString();
    }

    /**
     * A form that asks for an action; the dashboard answers with a confirmation page before it acts.
     * @param html where to write
     * @param context the request's context
     * @param label the button's text
     * @param fields hidden fields, name/value pairs ({@code action} first)
     */
    static void actionButton(Html html, PageContext context, String label, String... fields) {
        html.open("form", "method", "post", "action", context.url("/actions"), "class", "inline");
        csrf(html, context);
        for (int i = 0; i < fields.length; i += 2) {
            html.hidden(fields[i], fields[i + 1]);
        }
        html.element("button", label, "type", "submit");
        html.end();
    }

    /** The CSRF field, when one applies. */
    static void csrf(Html html, PageContext context) {
        if (context.csrf() != null) {
            html.hidden(context.csrf().name(), context.csrf().value());
        }
    }
}
