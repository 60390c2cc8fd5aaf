/**
 * {@link dev.apalis.backend.memory.MemoryStorage}: an in-process backend for tests and for
 * applications that can lose their tasks on restart.
 */
package dev.apalis.backend.memory;
