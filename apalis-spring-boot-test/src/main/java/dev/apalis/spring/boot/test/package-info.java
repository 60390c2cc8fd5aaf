/**
 * Test support for applications that use Apalis, in the style of {@code spring-boot-test}:
 * {@link dev.apalis.spring.boot.test.AutoConfigureTaskTester @AutoConfigureTaskTester} on a
 * {@code @SpringBootTest} provides a {@link dev.apalis.spring.boot.test.TaskTester} that shows what was
 * pushed and runs the pending tasks of a queue in the test thread, with time moved by the test.
 */
@NullMarked
package dev.apalis.spring.boot.test;

import org.jspecify.annotations.NullMarked;
