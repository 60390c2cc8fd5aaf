/**
 * The JobRunr scenarios: its open-source library with its PostgreSQL SQL storage.
 */
package dev.apalis.benchmarks.jobrunr;
