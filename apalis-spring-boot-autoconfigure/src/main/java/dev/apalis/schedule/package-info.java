/**
 * Recurring tasks: {@link dev.apalis.schedule.Schedule schedules} kept in the storage, whose slots are
 * pushed as tasks exactly once across all nodes ({@link dev.apalis.schedule.ScheduleRunner}), with
 * explicit catch-up and overlap policies and defined daylight-saving rules
 * ({@link dev.apalis.schedule.CronSlots}). No Spring Boot in here.
 */
package dev.apalis.schedule;
