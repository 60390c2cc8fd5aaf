package dev.apalis.spring.boot.docs;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.springframework.stereotype.Component;

import dev.apalis.schedule.CatchUp;
import dev.apalis.schedule.ScheduleSlot;
import dev.apalis.spring.TaskHandler;
import dev.apalis.spring.TaskSchedule;
import dev.apalis.task.TaskContext;

/**
 * A scheduled handler: every night at 02:30 Berlin time, once across the cluster; the report covers
 * the day before its slot, which after a catch-up is not the day before today.
 */
@Component
public class NightlyReports {

    /** What the report is about. */
    public record ReportRequest(String format) {
    }

    final List<LocalDate> reported = new CopyOnWriteArrayList<>();

    @TaskHandler("nightly-report")
    @TaskSchedule(cron = "0 30 2 * * *", zone = "Europe/Berlin", catchUp = CatchUp.LAST,
            payload = "{\"format\": \"pdf\"}")
    void report(ReportRequest request, TaskContext context) {
        Instant slot = ScheduleSlot.of(context).map(ScheduleSlot::at).orElseGet(Instant::now);
        LocalDate day = slot.atZone(ZoneId.of("Europe/Berlin")).toLocalDate().minusDays(1);
        reported.add(day); // build the report of that day, in request.format()
    }
}
