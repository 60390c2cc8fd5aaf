/**
 * Schedules in a Spring Boot application: {@link dev.apalis.spring.TaskSchedule @TaskSchedule} and
 * {@code apalis.schedules.<name>.*} declarations, stored at start-up; the schedule loop's lifecycle;
 * the {@link dev.apalis.spring.TaskSchedules} bean; schedule metrics.
 */
package dev.apalis.spring.boot.schedule;
