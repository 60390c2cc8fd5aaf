package dev.apalis.spring;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.aot.hint.annotation.Reflective;
import org.springframework.core.annotation.AliasFor;

/**
 * Makes a bean method the handler of a worker: each task of the worker's queue is read as the
 * method's payload parameter and passed to it, on one of the worker's threads.
 * <pre>{@code
 * @TaskHandler(value = "email", concurrency = "${email.concurrency:4}", timeout = "30s")
 * void send(Email email, TaskContext context) { .. }
 * }</pre>
 * <p>
 * The method takes the payload (any type the application's Jackson {@code JsonMapper} can read,
 * generic types included) and optionally a {@link dev.apalis.task.TaskContext}, in either order.
 * Its return value is ignored. Returning normally completes the task; throwing fails the attempt
 * (retried with backoff while attempts are left); throw {@link dev.apalis.task.AbortTaskException}
 * to give up at once or {@link dev.apalis.task.RetryTaskException} to pick the retry delay. On a
 * proxied bean ({@code @Transactional}, other AOP) the method is invoked through the proxy.
 * <p>
 * Every setting is optional and accepts {@code ${...}} placeholders; an empty string means "not
 * set here". A setting is taken from, by increasing precedence: the built-in default,
 * {@code apalis.defaults.*}, this annotation, {@code apalis.workers.<name>.*}. Durations use the
 * property syntax ({@code 500ms}, {@code 10s}, {@code PT1M}; a bare number is milliseconds).
 * <p>
 * Start-up fails, naming the bean and the method, when the method's parameters are not one payload
 * and at most one {@code TaskContext}, when two methods declare the same worker name, or when a
 * setting does not parse.
 */
@Target({ ElementType.METHOD, ElementType.ANNOTATION_TYPE })
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Reflective
public @interface TaskHandler {

    /**
     * Alias for {@link #name()}.
     * @return the worker's name
     */
    @AliasFor("name")
    String value() default "";

    /**
     * The worker's name: unique in the application, and the key of its
     * {@code apalis.workers.<name>.*} properties. Required.
     * @return the worker's name
     */
    @AliasFor("value")
    String name() default "";

    /**
     * The queue the worker consumes; defaults to the worker's name.
     * @return the queue
     */
    String queue() default "";

    /**
     * How many tasks run at once (1 or more).
     * @return the concurrency
     */
    String concurrency() default "";

    /**
     * How many tasks to claim ahead of free slots (0 or more); adaptive when not set.
     * @return the prefetch
     */
    String prefetch() default "";

    /**
     * How often an idle worker looks for due tasks when no notification arrives (positive).
     * @return the poll interval
     */
    String pollInterval() default "";

    /**
     * How long one attempt may run before its thread is interrupted and the attempt fails (positive).
     * @return the timeout
     */
    String timeout() default "";

    /**
     * How many attempts a task may take, the first included (1 or more).
     * @return the maximum number of attempts
     */
    String maxAttempts() default "";

    /**
     * The delay after the first failed attempt (zero or more).
     * @return the initial backoff
     */
    String backoffInitial() default "";

    /**
     * How much each retry delay grows over the previous one (1.0 or more).
     * @return the backoff multiplier
     */
    String backoffMultiplier() default "";

    /**
     * The longest retry delay.
     * @return the maximum backoff
     */
    String backoffMax() default "";

    /**
     * The share by which each retry delay is moved at random, from 0.0 to 1.0.
     * @return the backoff jitter
     */
    String backoffJitter() default "";

    /**
     * At most this many task starts per {@link #rateLimitPeriod()}; 0 for no limit.
     * @return the permits per period
     */
    String rateLimitPermits() default "";

    /**
     * The window of the rate limit (positive).
     * @return the rate limit period
     */
    String rateLimitPeriod() default "";
}
