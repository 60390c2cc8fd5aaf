/**
 * The web dashboard: server-rendered pages on the application's Spring MVC to see and act on queues,
 * tasks, workers and schedules, secured by the application's Spring Security filter chain.
 */
@NullMarked
package dev.apalis.spring.boot.dashboard;

import org.jspecify.annotations.NullMarked;
