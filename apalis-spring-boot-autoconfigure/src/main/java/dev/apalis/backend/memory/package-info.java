/**
 * {@link dev.apalis.backend.memory.MemoryStorage}: an in-process backend for tests and for
 * applications that can lose their tasks on restart.
 */
@NullMarked
package dev.apalis.backend.memory;

import org.jspecify.annotations.NullMarked;
