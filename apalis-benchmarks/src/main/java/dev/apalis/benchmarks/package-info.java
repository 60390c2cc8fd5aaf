/**
 * The benchmark harness: measures push, drain and latency of Apalis side by side with db-scheduler,
 * JobRunr and a raw {@code SKIP LOCKED} loop on one PostgreSQL, and reports medians with ratios to Apalis.
 * Entry point: {@link dev.apalis.benchmarks.BenchmarkMain}.
 */
package dev.apalis.benchmarks;
