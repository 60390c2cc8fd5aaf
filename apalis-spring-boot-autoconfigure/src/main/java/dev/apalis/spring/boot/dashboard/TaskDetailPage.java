package dev.apalis.spring.boot.dashboard;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

import org.jspecify.annotations.Nullable;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.apalis.backend.AttemptError;
import dev.apalis.backend.TaskDetails;
import dev.apalis.task.Task;

/**
 * One task: status, timings, its payload pretty-printed, its metadata with the trace id, and the error
 * of each failed attempt. It does not refresh on its own while it is read; the reader refreshes it.
 */
final class TaskDetailPage {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private TaskDetailPage() {
    }

    static String render(PageContext context, TaskDetails details) {
        Task task = details.task();
        String id = task.id().toString();
        Instant now = Instant.now();
        return Layout.page(context, "Task " + id, null, false, (html) -> {
            html.open("p");
            html.text("Queue ");
            html.link(context.url("/queues/", task.queue()) + "?status=" + task.status().name(), task.queue());
            html.text(" · ");
            html.link(context.url("/tasks/", id), "Refresh this page");
            html.end();
            if (context.canAct()) {
                html.open("p", "class", "task-actions");
                for (TaskActions action : TaskActions.values()) {
                    if (action.appliesTo(task.status())) {
                        Layout.actionButton(html, context, action.label() + " task", "action", "task." + action.verb(),
                                "id", id);
                    }
                }
                html.end();
            }
            html.open("dl", "class", "facts", "id", "task-facts");
            fact(html, "Status", task.status().name(), "state " + task.status().name().toLowerCase(java.util.Locale.ROOT));
            fact(html, "Attempts", task.attempts() + ((details.maxAttempts() > 0) ? " of " + details.maxAttempts()
                    : " (the worker's retry policy decides how many)"), null);
            fact(html, "Priority", String.valueOf(task.priority()) + " (lower runs first)", null);
            fact(html, "Unique key", (task.uniqueKey() != null) ? task.uniqueKey() : "—", null);
            fact(html, "Created", Format.time(task.createdAt()) + " (" + Format.ago(task.createdAt(), now) + ")", null);
            fact(html, task.status().isFinished() ? "Last run time" : "Runs at", Format.time(task.runAt()), null);
            fact(html, "Finished", Format.time(task.finishedAt()), null);
            if (task.finishedAt() != null) {
                fact(html, "Created to finished", Format.duration(Duration.between(task.createdAt(), task.finishedAt())),
                        null);
            }
            String traceId = traceId(task.metadata());
            fact(html, "Trace id", (traceId != null) ? traceId : "none (pushed without a tracer)", null);
            if (details.error() != null) {
                html.element("dt", "Error");
                html.open("dd");
                error(html, details.error());
                html.end();
            }
            html.end();
            html.element("h2", "Payload");
            html.element("pre", pretty(task.payload()), "class", "payload", "tabindex", "0", "aria-label", "Payload");
            html.element("h2", "Attempts that failed");
            html.open("table", "id", "attempts");
            html.element("caption", details.attemptErrors().isEmpty() ? "No attempt failed (or none is kept)"
                    : "Errors of failed attempts, oldest first (a bounded history)");
            html.open("thead").open("tr");
            html.element("th", "Attempt", "scope", "col");
            html.element("th", "Failed at", "scope", "col");
            html.element("th", "Error", "scope", "col");
            html.end().end().open("tbody");
            for (AttemptError error : details.attemptErrors()) {
                html.open("tr");
                html.element("th", error.attempt(), "scope", "row");
                html.element("td", Format.time(error.at()));
                html.open("td");
                error(html, error.error());
                html.end();
                html.end();
            }
            html.end().end();
            html.element("h2", "Metadata");
            html.open("table", "id", "metadata");
            html.element("caption", task.metadata().isEmpty() ? "No metadata" : "Metadata carried with the task");
            html.open("thead").open("tr");
            html.element("th", "Key", "scope", "col");
            html.element("th", "Value", "scope", "col");
            html.end().end().open("tbody");
            for (Map.Entry<String, String> entry : new TreeMap<>(task.metadata()).entrySet()) {
                html.open("tr").element("th", entry.getKey(), "scope", "row");
                html.open("td").element("code", entry.getValue()).end().end();
            }
            html.end().end();
        });
    }

    /** An error's first line, and the whole text (a stack trace) behind a disclosure that works without script. */
    private static void error(Html html, String error) {
        html.element("p", Format.firstLine(error), "class", "error-line");
        if (error.strip().contains("\n")) {
            html.open("details");
            html.element("summary", "Whole error");
            html.element("pre", error, "class", "error");
            html.end();
        }
    }

    private static void fact(Html html, String name, String value, @Nullable String valueClass) {
        html.element("dt", name);
        html.element("dd", value, "class", valueClass);
    }

    /** The payload indented; as stored when it is not JSON. */
    static String pretty(String payload) {
        try {
            JsonNode node = JSON.readTree(payload);
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node);
        }
        catch (JacksonException ex) {
            return payload;
        }
    }

    /** The trace id of W3C ({@code traceparent}) or B3 ({@code b3}, {@code X-B3-TraceId}) headers. */
    static @Nullable String traceId(Map<String, String> metadata) {
        String traceparent = metadata.get("traceparent");
        if (traceparent != null) {
            String[] parts = traceparent.split("-");
            if (parts.length >= 3) {
                return parts[1];
            }
        }
        String b3 = metadata.get("b3");
        if (b3 != null && b3.contains("-")) {
            return b3.substring(0, b3.indexOf('-'));
        }
        for (Map.Entry<String, String> entry : metadata.entrySet()) {
            if (entry.getKey().equalsIgnoreCase("X-B3-TraceId")) {
                return entry.getValue();
            }
        }
        return null;
    }
}
