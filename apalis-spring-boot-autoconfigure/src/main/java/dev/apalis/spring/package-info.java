/**
 * The Spring programming model for Apalis: {@link dev.apalis.spring.TaskHandler @TaskHandler} on
 * bean methods, the {@link dev.apalis.spring.TaskClient} to push tasks, and the
 * {@link dev.apalis.spring.Workers} registry of the workers that run them, the
 * {@link dev.apalis.spring.PushInterceptor}s around pushes, and the
 * {@link dev.apalis.spring.WorkerActivity} that follows the workers' states and counts. The Spring Boot
 * auto-configuration in {@code dev.apalis.spring.boot} provides the beans.
 */
@NullMarked
package dev.apalis.spring;

import org.jspecify.annotations.NullMarked;
