/**
 * Actuator support: the {@code apalis} health indicator and the {@code apalis} endpoint, with their
 * auto-configurations.
 */
package dev.apalis.spring.boot.actuate;
