/**
 * The backend conformance suite, shipped in the test-jar of {@code apalis-spring-boot-autoconfigure}
 * (classifier {@code tests}): extend {@link dev.apalis.backend.conformance.BackendConformance} in a test
 * of your backend to check every behaviour the engine relies on. One contract interface per part of the
 * SPI; tests of a capability the backend does not declare, or of an optional part it does not implement,
 * are skipped.
 */
package dev.apalis.backend.conformance;
