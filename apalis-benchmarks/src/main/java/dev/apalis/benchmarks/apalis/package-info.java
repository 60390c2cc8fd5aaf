/**
 * The Apalis scenarios: a {@code PostgresStorage} with its defaults and a worker with the library's
 * defaults except concurrency and prefetch; also the memory mode.
 */
package dev.apalis.benchmarks.apalis;
