package dev.apalis.spring.boot;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Reports an {@link ApalisConfigurationException} as a start-up failure analysis: what is wrong, and
 * what to do.
 */
class ApalisConfigurationFailureAnalyzer extends AbstractFailureAnalyzer<ApalisConfigurationException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, ApalisConfigurationException cause) {
        return new FailureAnalysis(cause.getDescription(), cause.getAction(), cause);
    }
}
