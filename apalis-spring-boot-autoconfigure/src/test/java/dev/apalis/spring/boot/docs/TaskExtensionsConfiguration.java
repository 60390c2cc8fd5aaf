package dev.apalis.spring.boot.docs;

import org.slf4j.MDC;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.apalis.spring.boot.WorkerBuilderCustomizer;
import dev.apalis.worker.TaskInterceptor;

/**
 * Extension points: an interceptor around every attempt, and a customizer for every worker's builder.
 */
@Configuration(proxyBeanMethods = false)
public class TaskExtensionsConfiguration {

    @Bean
    TaskInterceptor taskIdInLogs() {
        return (context, attempt) -> {
            try (MDC.MDCCloseable taskId = MDC.putCloseable("taskId", context.taskId().toString())) {
                attempt.proceed();
            }
        };
    }

    @Bean
    WorkerBuilderCustomizer sharedRateLimits(RateLimits limits) {
        return (definition, builder) -> builder.data(RateLimits.class, limits);
    }

    /**
     * Shared with handlers through {@code TaskContext.data(RateLimits.class)}.
     */
    public static class RateLimits {

    }
}
