/**
 * The db-scheduler scenarios: its core library with its {@code fetch} and {@code lock-and-fetch} polling.
 */
package dev.apalis.benchmarks.dbscheduler;
