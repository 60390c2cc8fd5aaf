/**
 * Test support: a real PostgreSQL for tests (configured, Testcontainers or embedded) and a JUnit 5
 * extension that gives each test class its own database.
 */
package dev.apalis.test;
