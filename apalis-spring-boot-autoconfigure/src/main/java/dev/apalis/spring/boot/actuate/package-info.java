/**
 * Actuator support: the {@code apalis} health indicator and the {@code apalis} endpoint, with their
 * auto-configurations.
 */
@NullMarked
package dev.apalis.spring.boot.actuate;

import org.jspecify.annotations.NullMarked;
