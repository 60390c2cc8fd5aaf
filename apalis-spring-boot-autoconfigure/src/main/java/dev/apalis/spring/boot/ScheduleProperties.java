package dev.apalis.spring.boot;

import dev.apalis.schedule.CatchUp;
import dev.apalis.schedule.Overlap;

/**
 * A recurring task declared in configuration, under {@code apalis.schedules.<name>}; for a schedule
 * that a {@code @TaskSchedule} also declares, the properties that are set override its attributes.
 */
public class ScheduleProperties {

    /**
     * Cron expression (Spring's CronExpression: six fields, or a macro such as @daily).
     */
    private String cron;

    /**
     * Time zone of the expression's wall-clock times, such as Europe/Berlin; default the JVM's.
     */
    private String zone;

    /**
     * Queue the tasks go to; default the schedule's name, or the queue of the @TaskHandler that declares it.
     */
    private String queue;

    /**
     * Payload of the tasks, as JSON text; default an empty object.
     */
    private String payload;

    /**
     * Whether the schedule fires.
     */
    private Boolean enabled;

    /**
     * What happens to slots missed while no node ran: none, last or all.
     */
    private CatchUp catchUp;

    /**
     * How many missed slots catch-up 'all' pushes at most.
     */
    private Integer catchUpLimit;

    /**
     * Whether a slot fires while the previous run is unfinished: allow or skip.
     */
    private Overlap overlap;

    public String getCron() {
        return this.cron;
    }

    public void setCron(String cron) {
        this.cron = cron;
    }

    public String getZone() {
        return this.zone;
    }

    public void setZone(String zone) {
        this.zone = zone;
    }

    public String getQueue() {
        return this.queue;
    }

    public void setQueue(String queue) {
        this.queue = queue;
    }

    public String getPayload() {
        return this.payload;
    }

    public void setPayload(String payload) {
        this.payload = payload;
    }

    public Boolean getEnabled() {
        return this.enabled;
    }

    public void setEnabled(Boolean enabled) {
        this.enabled = enabled;
    }

    public CatchUp getCatchUp() {
        return this.catchUp;
    }

    public void setCatchUp(CatchUp catchUp) {
        this.catchUp = catchUp;
    }

    public Integer getCatchUpLimit() {
        return this.catchUpLimit;
    }

    public void setCatchUpLimit(Integer catchUpLimit) {
        this.catchUpLimit = catchUpLimit;
    }

    public Overlap getOverlap() {
        return this.overlap;
    }

    public void setOverlap(Overlap overlap) {
        this.overlap = overlap;
    }
}
