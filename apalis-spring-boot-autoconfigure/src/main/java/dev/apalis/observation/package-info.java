/**
 * Micrometer Observation API instrumentation of task execution and pushes, without Spring Boot: each
 * attempt is one {@code apalis.task} observation, each push one {@code apalis.push} observation,
 * whose propagation headers travel in the task's metadata so that a tracer continues the pushing
 * trace when the task runs. Metrics then come from the registry's meter handler and spans from its
 * tracing handler.
 */
@NullMarked
package dev.apalis.observation;

import org.jspecify.annotations.NullMarked;
