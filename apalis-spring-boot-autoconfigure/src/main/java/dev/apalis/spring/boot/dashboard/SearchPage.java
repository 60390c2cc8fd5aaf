package dev.apalis.spring.boot.dashboard;

import java.util.List;

import org.jspecify.annotations.Nullable;

import dev.apalis.task.Task;

/**
 * The tasks found by unique key (an id goes straight to its task's page), newest first.
 */
final class SearchPage {

    private SearchPage() {
    }

    static String render(PageContext context, String query, @Nullable String queue, List<Task> found) {
        return Layout.page(context, "Tasks with unique key " + query, null, false, (html) -> {
            OverviewPage.search(html, context, queue);
            html.open("table", "id", "found");
            html.element("caption", found.isEmpty()
                    ? "No task " + ((queue != null) ? "of queue " + queue + " " : "") + "has the id or unique key " + query
                    : found.size() + " task(s) with unique key " + query + ", newest first");
            html.open("thead").open("tr");
            for (String header : new String[] { "Task", "Queue", "Status", "Created", "Finished" }) {
                html.element("th", header, "scope", "col");
            }
            html.end().end().open("tbody");
            for (Task task : found) {
                html.open("tr");
                html.open("th", "scope", "row").link(context.url("/tasks/", task.id().toString()), task.id().toString()).end();
                html.element("td", task.queue());
                html.element("td", task.status().name());
                html.element("td", Format.time(task.createdAt()));
                html.element("td", Format.time(task.finishedAt()));
                html.end();
            }
            html.end().end();
        });
    }
}
