/**
 * Auto-configuration of the {@code apalis.task} and {@code apalis.push} observations, through
 * Spring Boot's {@code ObservationRegistry}.
 */
@NullMarked
package dev.apalis.spring.boot.observation;

import org.jspecify.annotations.NullMarked;
