package dev.apalis.spring.boot.dashboard;

import java.util.List;

import org.jspecify.annotations.Nullable;

import dev.apalis.schedule.ScheduleState;
import dev.apalis.schedule.ScheduleStore;

/**
 * The recurring tasks: each schedule's timing, next and last slot, its last task, and pause, resume
 * and trigger (cluster-wide: the changes are stored).
 */
final class SchedulesPage {

    private final @Nullable ScheduleStore store;

    SchedulesPage(@Nullable ScheduleStore store) {
        this.store = store;
    }

    String render(PageContext context) {
        List<ScheduleState> schedules = (this.store != null) ? this.store.list() : List.of();
        return Layout.page(context, "Schedules", "/schedules", true, (html) -> {
            if (this.store == null) {
                html.element("p", "The backend keeps no schedules.");
                return;
            }
            html.open("table", "id", "schedules", "data-live", "");
            html.element("caption", "Schedules (" + schedules.size() + "), across the cluster");
            html.open("thead").open("tr");
            for (String header : new String[] { "Schedule", "Cron", "Zone", "Queue", "State", "Next slot", "Last slot",
                    "Last task" }) {
                html.element("th", header, "scope", "col");
            }
            if (context.canAct()) {
                html.element("th", "Actions", "scope", "col");
            }
            html.end().end().open("tbody");
            if (schedules.isEmpty()) {
                html.open("tr").element("td", "No schedule is stored.", "colspan", "9").end();
            }
            for (ScheduleState state : schedules) {
                html.open("tr");
                html.element("th", state.name(), "scope", "row");
                html.open("td").element("code", state.schedule().cron()).end();
                html.element("td", state.schedule().zone().getId());
                html.open("td").link(context.url("/queues/", state.schedule().queue()), state.schedule().queue()).end();
                String text = !state.schedule().enabled() ? "Disabled" : state.paused() ? "Paused" : "Active";
                html.element("td", text, "class", "state " + text.toLowerCase(java.util.Locale.ROOT));
                html.element("td", Format.time(state.nextRunAt()));
                html.element("td", Format.time(state.lastSlotAt()));
                html.open("td");
                if (state.lastTaskId() != null) {
                    html.link(context.url("/tasks/", state.lastTaskId().toString()),
                            (state.lastTaskStatus() != null) ? state.lastTaskStatus().name() : "deleted");
                }
                else {
                    html.text("—");
                }
                html.end();
                if (context.canAct()) {
                    html.open("td");
                    if (state.paused()) {
                        Layout.actionButton(html, context, "Resume schedule " + state.name(), "action",
                                "schedule.resume", "schedule", state.name());
                    }
                    else {
                        Layout.actionButton(html, context, "Pause schedule " + state.name(), "action", "schedule.pause",
                                "schedule", state.name());
                    }
                    Layout.actionButton(html, context, "Trigger schedule " + state.name() + " now", "action",
                            "schedule.trigger", "schedule", state.name());
                    html.end();
                }
                html.end();
            }
            html.end().end();
        });
    }
}
