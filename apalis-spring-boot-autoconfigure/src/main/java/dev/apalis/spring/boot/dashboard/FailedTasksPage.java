package dev.apalis.spring.boot.dashboard;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import dev.apalis.spring.TaskOperator;
import dev.apalis.task.Task;
import dev.apalis.task.TaskStatus;

/**
 * The tasks that went wrong, across queues: the newest failed (waiting for a retry) and killed ones,
 * each queue read newest first from its index and merged, with each queue's counts linking to its
 * full listing.
 */
final class FailedTasksPage {

    private static final int SHOWN = 50;

    private final QueueSummaries queues;

    private final TaskOperator operator;

    FailedTasksPage(QueueSummaries queues, TaskOperator operator) {
        this.queues = queues;
        this.operator = operator;
    }

    String render(PageContext context) {
        List<QueueSummaries.Summary> summaries = this.queues.all();
        return Layout.page(context, "Failed and killed tasks", "/failed", true, (html) -> {
            for (TaskStatus status : new TaskStatus[] { TaskStatus.FAILED, TaskStatus.KILLED }) {
                List<Task> tasks = new ArrayList<>();
                List<QueueSummaries.Summary> withTasks = summaries.stream().filter((s) -> s.count(status) > 0).toList();
                for (QueueSummaries.Summary summary : withTasks) {
                    tasks.addAll(this.operator.list(summary.queue(), status, null, SHOWN).tasks());
                }
                tasks.sort(Comparator.comparing(Task::createdAt).reversed());
                List<Task> shown = tasks.subList(0, Math.min(SHOWN, tasks.size()));
                String heading = (status == TaskStatus.FAILED) ? "Failed: waiting for a retry" : "Killed: given up";
                html.element("h2", heading, "id", status.name().toLowerCase(java.util.Locale.ROOT));
                html.open("ul", "class", "queue-links");
                for (QueueSummaries.Summary summary : withTasks) {
                    html.open("li");
                    html.link(context.url("/queues/", summary.queue()) + "?status=" + status.name(),
                            summary.queue() + ": " + summary.countText(status) + " " + status.name());
                    html.end();
                }
                html.end();
                html.open("table", "id", "tasks-" + status.name().toLowerCase(java.util.Locale.ROOT), "data-live", "");
                html.element("caption", "The newest " + shown.size() + " " + status.name() + " tasks of every queue");
                html.open("thead").open("tr");
                for (String header : new String[] { "Task", "Queue", "Created", "Attempts", "Error" }) {
                    html.element("th", header, "scope", "col");
                }
                html.end().end().open("tbody");
                if (shown.isEmpty()) {
                    html.open("tr").element("td", "None.", "colspan", "5").end();
                }
                for (Task task : shown) {
                    html.open("tr");
                    html.open("th", "scope", "row")
                        .link(context.url("/tasks/", task.id().toString()), task.id().toString(), "class", "task-id")
                        .end();
                    html.element("td", task.queue());
                    html.element("td", Format.time(task.createdAt()));
                    html.element("td", task.attempts(), "class", "num");
                    html.element("td", Format.firstLine(task.lastError()));
                    html.end();
                }
                html.end().end();
            }
        });
    }
}
