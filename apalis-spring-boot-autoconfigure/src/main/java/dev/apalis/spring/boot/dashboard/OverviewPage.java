package dev.apalis.spring.boot.dashboard;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.jspecify.annotations.Nullable;

import dev.apalis.backend.RegisteredWorker;
import dev.apalis.backend.WorkerDirectory;
import dev.apalis.spring.WorkerActivity;
import dev.apalis.spring.WorkerState;
import dev.apalis.spring.WorkerStatus;
import dev.apalis.task.TaskStatus;

/**
 * The overview: every queue with its counts by status, oldest due task and cluster-wide pause; this
 * node's throughput; this node's workers (state, concurrency, in flight) and every node's registered
 * workers.
 */
final class OverviewPage {

    /** The statuses in the order a queue's life goes. */
    static final TaskStatus[] STATUSES = { TaskStatus.PENDING, TaskStatus.RUNNING, TaskStatus.FAILED, TaskStatus.DONE,
            TaskStatus.KILLED };

    private final QueueSummaries queues;

    private final WorkerActivity activity;

    private final @Nullable WorkerDirectory directory;

    private final Throughput throughput;

    OverviewPage(QueueSummaries queues, WorkerActivity activity, @Nullable WorkerDirectory directory,
            Throughput throughput) {
        this.queues = queues;
        this.activity = activity;
        this.directory = directory;
        this.throughput = throughput;
    }

    String render(PageContext context) {
        Instant now = Instant.now();
        List<QueueSummaries.Summary> summaries = this.queues.all();
        List<WorkerStatus> local = this.activity.statuses();
        List<RegisteredWorker> registered = (this.directory != null) ? this.directory.registeredWorkers() : null;
        return Layout.page(context, "Overview", "", true, (html) -> {
            queueTable(html, context, summaries, now);
            html.element("h2", "Throughput on this node");
            ThroughputChart.write(html, this.throughput.samples());
            localWorkers(html, context, local);
            if (registered != null) {
                clusterWorkers(html, registered, now);
            }
            search(html, context, null);
        });
    }

    private static void queueTable(Html html, PageContext context, List<QueueSummaries.Summary> summaries, Instant now) {
        html.open("table", "id", "queues", "data-live", "");
        html.element("caption", "Queues (" + summaries.size() + "): tasks by status, across the cluster");
        html.open("thead").open("tr");
        html.element("th", "Queue", "scope", "col");
        html.element("th", "State", "scope", "col");
        for (TaskStatus status : STATUSES) {
            html.element("th", title(status), "scope", "col", "class", "num");
        }
        html.element("th", "Oldest due task waits", "scope", "col");
        if (context.canAct()) {
            html.element("th", "Actions", "scope", "col");
        }
        html.end().end();
        html.open("tbody");
        if (summaries.isEmpty()) {
            html.open("tr").element("td", "No queue has tasks or workers yet.", "colspan", "9").end();
        }
        for (QueueSummaries.Summary summary : summaries) {
            html.open("tr");
            html.open("th", "scope", "row");
            html.link(context.url("/queues/", summary.queue()), summary.queue());
            html.end();
            html.element("td", summary.paused() ? "Paused (every node)" : "Running", "class",
                    summary.paused() ? "state paused" : "state running");
            for (TaskStatus status : STATUSES) {
                html.open("td", "class", "num");
                if (summary.count(status) > 0) {
                    html.link(context.url("/queues/", summary.queue()) + "?status=" + status.name(),
                            summary.countText(status), "aria-label", summary.countText(status) + " " + title(status)
                                    + " tasks in " + summary.queue());
                }
                else {
                    html.text("0");
                }
                html.end();
            }
            html.element("td", (summary.oldestDueAt() != null)
                    ? Format.duration(Duration.between(summary.oldestDueAt(), now)) : "nothing due");
            if (context.canAct()) {
                html.open("td");
                queuePauseButton(html, context, summary);
                html.end();
            }
            html.end();
        }
        html.end().end();
    }

    static void queuePauseButton(Html html, PageContext context, QueueSummaries.Summary summary) {
        if (summary.paused()) {
            Layout.actionButton(html, context, "Resume queue " + summary.queue(), "action", "queue.resume", "queue",
                    summary.queue());
        }
        else {
            Layout.actionButton(html, context, "Pause queue " + summary.queue(), "action", "queue.pause", "queue",
                    summary.queue());
        }
    }

    private static void localWorkers(Html html, PageContext context, List<WorkerStatus> workers) {
        html.open("table", "id", "local-workers", "data-live", "");
        html.element("caption", "Workers on this node (" + workers.size() + ")");
        html.open("thead").open("tr");
        for (String header : new String[] { "Worker", "Queue", "State", "Concurrency", "In flight", "Succeeded",
                "Failed", "Killed", "Last error" }) {
            html.element("th", header, "scope", "col");
        }
        if (context.canAct()) {
            html.element("th", "Actions", "scope", "col");
        }
        html.end().end().open("tbody");
        if (workers.isEmpty()) {
            html.open("tr").element("td", "This node runs no worker.", "colspan", "10").end();
        }
        for (WorkerStatus worker : workers) {
            html.open("tr");
            html.element("th", worker.name(), "scope", "row");
            html.open("td").link(context.url("/queues/", worker.queue()), worker.queue()).end();
            html.element("td", worker.state().name(), "class", "state " + worker.state().value());
            html.element("td", worker.concurrency(), "class", "num");
            html.element("td", worker.inFlight(), "class", "num");
            html.element("td", Format.count(worker.succeeded()), "class", "num");
            html.element("td", Format.count(worker.failed()), "class", "num");
            html.element("td", Format.count(worker.killed()), "class", "num");
            html.element("td", (worker.lastError() != null)
                    ? Format.time(worker.lastErrorAt()) + ": " + Format.firstLine(worker.lastError()) : "—");
            if (context.canAct()) {
                html.open("td");
                if (worker.state() == WorkerState.PAUSED) {
                    Layout.actionButton(html, context, "Resume worker " + worker.name(), "action", "worker.resume",
                            "worker", worker.name());
                }
                else if (worker.state() == WorkerState.RUNNING || worker.state() == WorkerState.FAILING) {
                    Layout.actionButton(html, context, "Pause worker " + worker.name(), "action", "worker.pause",
                            "worker", worker.name());
                }
                html.end();
            }
            html.end();
        }
        html.end().end();
    }

    private static void clusterWorkers(Html html, List<RegisteredWorker> workers, Instant now) {
        html.open("table", "id", "cluster-workers", "data-live", "");
        html.element("caption", "Workers of every node, as registered in the database (" + workers.size() + ")");
        html.open("thead").open("tr");
        for (String header : new String[] { "Worker", "Queue", "Instance (name-pid-random)", "Started",
                "Last heart-beat", "Claimed tasks at last heart-beat" }) {
            html.element("th", header, "scope", "col");
        }
        html.end().end().open("tbody");
        if (workers.isEmpty()) {
            html.open("tr").element("td", "No worker is registered.", "colspan", "6").end();
        }
        for (RegisteredWorker worker : workers) {
            html.open("tr");
            html.element("th", worker.name(), "scope", "row");
            html.element("td", worker.queue());
            html.open("td").element("code", worker.workerId()).end();
            html.element("td", Format.time(worker.startedAt()));
            html.element("td", Format.ago(worker.lastHeartbeat(), now));
            html.element("td", (worker.held() >= 0) ? String.valueOf(worker.held()) : "not reported", "class", "num");
            html.end();
        }
        html.end().end();
    }

    /** The search form: a task id, or a unique key (within a queue when one is given). */
    static void search(Html html, PageContext context, @Nullable String queue) {
        html.open("form", "method", "get", "action", context.url("/search"), "class", "search", "role", "search");
        html.element("label", (queue != null) ? "Find a task of " + queue + " by id or unique key"
                : "Find a task by id or unique key", "for", "search-q");
        html.empty("input", "type", "search", "id", "search-q", "name", "q", "required", "", "autocomplete", "off");
        html.hidden("queue", queue);
        html.element("button", "Find", "type", "submit");
        html.end();
    }

    static String title(TaskStatus status) {
        String name = status.name();
        return name.charAt(0) + name.substring(1).toLowerCase(java.util.Locale.ROOT);
    }
}
