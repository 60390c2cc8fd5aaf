/**
 * The ceiling: a plain JDBC claim-and-complete loop on a minimal queue table with {@code SKIP LOCKED}.
 */
package dev.apalis.benchmarks.raw;
