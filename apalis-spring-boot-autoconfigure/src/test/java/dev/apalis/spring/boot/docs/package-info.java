/**
 * The code examples of {@code docs/configuration.md} and {@code docs/observability.md}, compiled and
 * exercised by {@link dev.apalis.spring.boot.docs.DocumentationExamplesTests} and
 * {@link dev.apalis.spring.boot.docs.ObservabilityDocumentationExamplesTests}; the documentation
 * quotes them.
 */
package dev.apalis.spring.boot.docs;
