package dev.apalis.spring.boot.dashboard;

/**
 * Asks before an action: states what it will touch and offers to go on or go back. Nothing changes
 * until its form is sent.
 */
final class ConfirmationPage {

    private ConfirmationPage() {
    }

    static String render(PageContext context, DashboardAction action, String preview, String back) {
        return Layout.page(context, "Confirm: " + action.kind().verb(), null, false, (html) -> {
            html.element("p", preview, "id", "confirmation", "class", "confirmation");
            html.open("form", "method", "post", "action", context.url("/actions"));
            Layout.csrf(html, context);
            for (String[] field : action.fields()) {
                html.hidden(field[0], field[1]);
            }
            html.hidden("confirmed", "true");
            html.element("button", "Yes, " + action.kind().verb() + " now", "type", "submit", "id", "confirm", "autofocus",
                    "");
            html.link(back, "No, go back", "id", "cancel-confirmation", "class", "back");
            html.end();
        });
    }
}
