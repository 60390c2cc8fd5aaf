/**
 * Spring Boot auto-configuration for Apalis: {@link dev.apalis.spring.boot.ApalisProperties
 * apalis.* properties}, the backend choice, {@code @TaskHandler} discovery, the
 * {@link dev.apalis.spring.boot.WorkerLifecycle} that owns every worker, and worker events as Spring
 * application events.
 */
@NullMarked
package dev.apalis.spring.boot;

import org.jspecify.annotations.NullMarked;
