/**
 * Workers: how tasks are claimed, run, retried, rate-limited, timed out and reported, how a worker
 * is started, paused and stopped, and the events it emits.
 */
@NullMarked
package dev.apalis.worker;

import org.jspecify.annotations.NullMarked;
