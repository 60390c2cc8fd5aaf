package dev.apalis.schedule;

/**
 * A backend that also keeps schedules: {@code PostgresStorage} and {@code MemoryStorage} are.
 */
public interface SchedulingBackend {

    /**
     * The store of this backend's schedules; its rounds push into this backend.
     * @return the schedule store
     */
    ScheduleStore schedules();
}
