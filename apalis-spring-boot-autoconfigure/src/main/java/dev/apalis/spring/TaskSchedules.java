package dev.apalis.spring;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

import dev.apalis.schedule.Schedule;
import dev.apalis.schedule.ScheduleState;
import dev.apalis.schedule.ScheduleStore;
import dev.apalis.task.PayloadCodec;
import dev.apalis.task.TaskId;

/**
 * The application's schedules at run time: create, change, pause, resume, trigger and delete them.
 * Changes are stored at once and reach every node (each recomputes when it wakes up next, at once
 * where the storage can notify). Schedules created here are not disabled at start-up, unlike declared
 * ones that are no longer declared. Inside a Spring transaction on the storage's data source, changes
 * commit or roll back with it.
 */
public final class TaskSchedules {

    private final ScheduleStore store;

    private final PayloadCodec codec;

    /**
     * @param store where schedules are kept
     * @param codec encodes payload objects
     */
    public TaskSchedules(ScheduleStore store, PayloadCodec codec) {
        this.store = Objects.requireNonNull(store, "store");
        this.codec = Objects.requireNonNull(codec, "codec");
    }

    /**
     * Creates or changes a schedule whose tasks carry a payload object.
     * @param name the schedule's name
     * @param cron a cron expression, such as {@code 0 30 2 * * *} or {@code @daily}
     * @param queue the queue its tasks go to
     * @param payload the payload of its tasks, encoded with the application's {@link PayloadCodec}
     * @return the stored state
     * @throws IllegalArgumentException if the expression does not parse
     */
    public ScheduleState save(String name, String cron, String queue, Object payload) {
        return save(Schedule.of(name, cron, queue).withPayload(codec.encode(payload)));
    }

    /**
     * Creates or changes a schedule. Another expression or zone recomputes its next slot from now; the
     * same timing keeps it.
     * @param schedule the schedule
     * @return the stored state
     */
    public ScheduleState save(Schedule schedule) {
        return store.save(schedule);
    }

    /** Every stored schedule, by name. */
    public List<ScheduleState> list() {
        return store.list();
    }

    /** A stored schedule, or empty. */
    public Optional<ScheduleState> find(String name) {
        return store.find(name);
    }

    /** Stops a schedule firing on every node; false if there is no such schedule. */
    public boolean pause(String name) {
        return store.pause(name);
    }

    /** Lets a paused schedule fire again from its next slot; false if there is no such schedule. */
    public boolean resume(String name) {
        return store.resume(name);
    }

    /** Pushes a task of the schedule now; its slots stay as they are. Empty if there is no such schedule. */
    public Optional<TaskId> trigger(String name) {
        return store.trigger(name);
    }

    /** Deletes a schedule (tasks already pushed stay); false if there was none. */
    public boolean delete(String name) {
        return store.delete(name);
    }
}
