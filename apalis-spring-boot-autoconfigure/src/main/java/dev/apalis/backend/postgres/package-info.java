/**
 * {@link dev.apalis.backend.postgres.PostgresStorage}: a durable backend on PostgreSQL with
 * {@code FOR UPDATE SKIP LOCKED} claims, batched completions, LISTEN/NOTIFY wake-ups, heart-beat
 * based crash recovery and retention. Depends on spring-jdbc only (no Spring Boot); the versioned DDL
 * is {@code schema-v1.sql} next to these classes on the class path. See {@code docs/postgres.md}.
 */
@NullMarked
package dev.apalis.backend.postgres;

import org.jspecify.annotations.NullMarked;
