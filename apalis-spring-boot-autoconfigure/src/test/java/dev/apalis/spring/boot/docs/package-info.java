/**
 * The code examples of {@code docs/configuration.md}, compiled and exercised by
 * {@link dev.apalis.spring.boot.docs.DocumentationExamplesTests}; the documentation quotes them.
 */
package dev.apalis.spring.boot.docs;
