/**
 * The Spring programming model for Apalis: {@link dev.apalis.spring.TaskHandler @TaskHandler} on
 * bean methods, the {@link dev.apalis.spring.TaskClient} to push tasks, and the
 * {@link dev.apalis.spring.Workers} registry of the workers that run them. The Spring Boot
 * auto-configuration in {@code dev.apalis.spring.boot} provides the beans.
 */
package dev.apalis.spring;
