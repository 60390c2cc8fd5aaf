package dev.apalis.spring.boot;

import org.assertj.core.api.AbstractThrowableAssert;

import org.springframework.boot.test.context.assertj.AssertableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Assertions on contexts that must fail to start with an {@link ApalisConfigurationException}.
 */
final class StartupFailures {

    private StartupFailures() {
    }

    /**
     * Asserts that the context failed because of an {@link ApalisConfigurationException}, wherever it
     * is in the cause chain.
     * @param context the context
     * @return assertions on that exception
     */
    static AbstractThrowableAssert<?, ? extends Throwable> assertApalisFailure(AssertableApplicationContext context) {
        assertThat(context).hasFailed();
        Throwable failure = context.getStartupFailure();
        for (Throwable current = failure; current != null; current = current.getCause()) {
            if (current instanceof ApalisConfigurationException) {
                return assertThat(current);
            }
        }
        throw new AssertionError("Expected an ApalisConfigurationException in the cause chain of " + failure, failure);
    }
}
