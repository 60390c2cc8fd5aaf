package dev.apalis.spring.boot.dashboard;

/**
 * A page that says one thing and links on: the result of an action, or why a request was refused.
 */
final class MessagePage {

    private MessagePage() {
    }

    static String render(PageContext context, String title, String message, String linkText, String link) {
        return Layout.page(context, title, null, false, (html) -> {
            html.element("p", message, "id", "message", "role", "status");
            html.open("p").link(link, linkText, "id", "continue").end();
        });
    }
}
