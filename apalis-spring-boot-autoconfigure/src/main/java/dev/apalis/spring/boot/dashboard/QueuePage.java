package dev.apalis.spring.boot.dashboard;

import java.util.List;

import org.jspecify.annotations.Nullable;

import dev.apalis.backend.TaskCursor;
import dev.apalis.backend.TaskPage;
import dev.apalis.spring.TaskOperator;
import dev.apalis.task.Task;
import dev.apalis.task.TaskStatus;

/**
 * One queue: its counts and pause, and its tasks in one status, newest first, a page at a time (keyset
 * paging: the next page starts after the last task shown, however many tasks arrive meanwhile). Tasks
 * can be selected for a correction, or every task of the status corrected (after a confirmation).
 */
final class QueuePage {

    private final QueueSummaries queues;

    private final TaskOperator operator;

    private final int pageSize;

    QueuePage(QueueSummaries queues, TaskOperator operator, int pageSize) {
        this.queues = queues;
        this.operator = operator;
        this.pageSize = pageSize;
    }

    String render(PageContext context, String queue, TaskStatus status, @Nullable TaskCursor after) {
        QueueSummaries.Summary summary = this.queues.one(queue);
        TaskPage page = this.operator.list(queue, status, after, this.pageSize);
        return Layout.page(context, "Queue " + queue, null, true, (html) -> {
            html.open("div", "id", "queue-state", "data-live", "");
            html.element("p", summary.paused()
                    ? "Paused on every node: no worker claims its tasks until it is resumed."
                    : "Running: its workers claim tasks.", "class", summary.paused() ? "state paused" : "state running");
            if (context.canAct()) {
                OverviewPage.queuePauseButton(html, context, summary);
            }
            html.end();
            tabs(html, context, summary, status);
            OverviewPage.search(html, context, queue);
            tasks(html, context, queue, status, page, after != null);
            if (context.canAct() && summary.count(status) > 0) {
                html.open("section", "aria-labelledby", "bulk-heading");
                html.element("h2", "Every " + status.name() + " task of " + queue, "id", "bulk-heading");
                for (TaskActions action : TaskActions.forStatus(status)) {
                    Layout.actionButton(html, context, action.label() + " all " + status.name() + " tasks…", "action",
                            "filter." + action.verb(), "queue", queue, "status", status.name());
                }
                html.end();
            }
        });
    }

    private static void tabs(Html html, PageContext context, QueueSummaries.Summary summary, TaskStatus current) {
        html.open("nav", "aria-label", "Tasks by status", "class", "tabs", "id", "status-tabs", "data-live", "");
        html.open("ul");
        for (TaskStatus status : OverviewPage.STATUSES) {
            html.open("li");
            html.link(context.url("/queues/", summary.queue()) + "?status=" + status.name(),
                    OverviewPage.title(status) + " (" + summary.countText(status) + ")", "aria-current",
                    (status == current) ? "page" : null);
            html.end();
        }
        html.end().end();
    }

    private void tasks(Html html, PageContext context, String queue, TaskStatus status, TaskPage page,
            boolean notFirst) {
        List<TaskActions> actions = context.canAct() ? TaskActions.forStatus(status) : List.of();
        boolean selectable = !actions.isEmpty() && !page.tasks().isEmpty();
        if (selectable) {
            html.open("form", "method", "post", "action", context.url("/actions"), "id", "selection");
            Layout.csrf(html, context);
            html.hidden("queue", queue);
            html.hidden("status", status.name());
        }
        html.open("table", "id", "tasks", "class", "tasks");
        html.element("caption", OverviewPage.title(status) + " tasks of " + queue + ", newest first"
                + (notFirst ? " (a later page)" : ""));
        html.open("thead").open("tr");
        if (selectable) {
            html.open("th", "scope", "col").element("span", "Select", "class", "visually-hidden").end();
        }
        for (String header : new String[] { "Task", "Created", "Runs at", "Attempts", "Priority", "Unique key",
                "Error" }) {
            html.element("th", header, "scope", "col");
        }
        html.end().end().open("tbody");
        if (page.tasks().isEmpty()) {
            html.open("tr").element("td", "No " + status.name() + " task" + (notFirst ? " on this page." : "."),
                    "colspan", "8").end();
        }
        for (Task task : page.tasks()) {
            String id = task.id().toString();
            html.open("tr");
            if (selectable) {
                html.open("td");
                html.empty("input", "type", "checkbox", "name", "id", "value", id, "id", "select-" + id);
                html.element("label", "Select task " + id, "for", "select-" + id, "class", "visually-hidden");
                html.end();
            }
            html.open("th", "scope", "row").link(context.url("/tasks/", id), id, "class", "task-id").end();
            html.element("td", Format.time(task.createdAt()));
            html.element("td", Format.time(task.runAt()));
            html.element("td", task.attempts() + ((task.maxAttempts() > 0) ? " of " + task.maxAttempts() : ""),
                    "class", "num");
            html.element("td", task.priority(), "class", "num");
            html.element("td", (task.uniqueKey() != null) ? task.uniqueKey() : "—");
            html.element("td", Format.firstLine(task.lastError()));
            html.end();
        }
        html.end().end();
        if (selectable) {
            html.open("p", "class", "selection-actions");
            for (TaskActions action : actions) {
                html.element("button", action.label() + " selected", "type", "submit", "name", "action", "value",
                        "selection." + action.verb());
            }
            html.end();
            html.end();
        }
        html.open("p", "class", "paging");
        if (notFirst) {
            html.link(context.url("/queues/", queue) + "?status=" + status.name(), "First page");
            html.text(" ");
        }
        if (page.next() != null) {
            html.link(context.url("/queues/", queue) + "?status=" + status.name() + "&after="
                    + PageContext.encode(page.next().toString()), "Next page (older tasks)", "rel", "next");
        }
        html.end();
    }
}
