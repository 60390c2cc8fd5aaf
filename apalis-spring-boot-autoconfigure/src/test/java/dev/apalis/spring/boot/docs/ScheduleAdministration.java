package dev.apalis.spring.boot.docs;

import org.springframework.stereotype.Service;

import dev.apalis.schedule.CatchUp;
import dev.apalis.schedule.Overlap;
import dev.apalis.schedule.Schedule;
import dev.apalis.spring.TaskSchedules;

/**
 * Schedules changed from code at run time, through the {@link TaskSchedules} bean.
 */
@Service
public class ScheduleAdministration {

    private final TaskSchedules schedules;

    ScheduleAdministration(TaskSchedules schedules) {
        this.schedules = schedules;
    }

    void createTenantExport(String tenant) {
        schedules.save(Schedule.of("export-" + tenant, "0 0 * * * *", "export")
            .withPayload("{\"tenant\": \"" + tenant + "\"}")
            .withOverlap(Overlap.ALLOW)
            .withCatchUp(CatchUp.ALL)
            .withCatchUpLimit(24));
    }

    void maintenanceWindow(String tenant) {
        schedules.pause("export-" + tenant);     // on every node, until resumed
        schedules.trigger("export-" + tenant);   // one run now, outside the slots
        schedules.resume("export-" + tenant);    // from the next slot; the paused ones are not caught up
    }
}
