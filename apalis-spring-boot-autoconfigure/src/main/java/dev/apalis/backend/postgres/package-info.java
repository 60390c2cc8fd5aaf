/**
 * {@link dev.apalis.backend.postgres.PostgresStorage}: a durable backend on PostgreSQL with
 * {@code FOR UPDATE SKIP LOCKED} claims, batched completions, LISTEN/NOTIFY wake-ups, heart-beat
 * based crash recovery and retention.
 */
package dev.apalis.backend.postgres;
