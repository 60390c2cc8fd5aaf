/**
 * Test support: a real PostgreSQL for tests (configured, Testcontainers or embedded), a JUnit 5
 * extension that gives each test class its own database, database outages on a server the tests own,
 * and a clock the tests move.
 */
package dev.apalis.test;
