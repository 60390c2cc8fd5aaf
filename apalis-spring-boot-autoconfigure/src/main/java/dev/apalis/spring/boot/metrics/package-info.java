/**
 * Micrometer metrics of Apalis beyond those of the {@code apalis.task} and {@code apalis.push}
 * observations: time from due to start, queue depth by status and worker state, with their
 * auto-configuration.
 */
@NullMarked
package dev.apalis.spring.boot.metrics;

import org.jspecify.annotations.NullMarked;
