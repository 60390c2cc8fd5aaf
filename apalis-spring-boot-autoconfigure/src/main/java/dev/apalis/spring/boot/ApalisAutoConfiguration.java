package dev.apalis.spring.boot;

import java.time.Duration;

import tools.jackson.databind.json.JsonMapper;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.thread.Threading;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;

import dev.apalis.backend.Backend;
import dev.apalis.spring.BackendTaskClient;
import dev.apalis.spring.BackendTaskOperator;
import dev.apalis.spring.PushInterceptor;
import dev.apalis.spring.TaskClient;
import dev.apalis.spring.TaskOperator;
import dev.apalis.spring.WorkerActivity;
import dev.apalis.spring.Workers;
import dev.apalis.task.JsonPayloadCodec;
import dev.apalis.task.PayloadCodec;
import dev.apalis.worker.TaskInterceptor;
import dev.apalis.worker.WorkerEventListener;

/**
 * Auto-configuration for Apalis: a {@link Backend} (PostgreSQL or memory, see
 * {@code apalis.backend}), the {@link PayloadCodec} over the application's Jackson
 * {@link JsonMapper}, the {@link TaskClient} (its pushes wrapped by every {@link PushInterceptor}
 * bean), the {@link TaskOperator} that manages stored tasks, the {@link WorkerLifecycle} that runs a
 * worker for each {@code @TaskHandler} method, and
 * the {@link WorkerActivity} that follows what they do (for health, metrics and the {@code apalis}
 * endpoint). Every bean backs off when the application defines its own.
 * <p>
 * It runs after the DataSource and Jackson auto-configurations (named, not referenced, because both
 * modules are optional), so that {@code apalis.backend=auto} sees the DataSource and the codec uses
 * the application's {@code JsonMapper}.
 */
@AutoConfiguration(afterName = { "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
        "org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration" })
@EnableConfigurationProperties(ApalisProperties.class)
@Import({ BackendConfigurations.Jdbc.class, BackendConfigurations.Memory.class,
        BackendConfigurations.JdbcUnavailable.class })
public final class ApalisAutoConfiguration {

    private static final Log logger = LogFactory.getLog(ApalisAutoConfiguration.class);

    private static final Duration DEFAULT_LIFECYCLE_PHASE_TIMEOUT = Duration.ofSeconds(30);

    @Bean
    static ApalisPropertiesChecker apalisPropertiesChecker() {
        return new ApalisPropertiesChecker();
    }

    @Bean
    @ConditionalOnMissingBean(PayloadCodec.class)
    JsonPayloadCodec apalisPayloadCodec(ObjectProvider<JsonMapper> jsonMapper) {
        JsonMapper mapper = jsonMapper.getIfUnique();
        return (mapper != null) ? new JsonPayloadCodec(mapper) : JsonPayloadCodec.withDefaults();
    }

    @Bean
    @ConditionalOnMissingBean(TaskClient.class)
    BackendTaskClient apalisTaskClient(Backend backend, PayloadCodec codec, ObjectProvider<PushInterceptor> interceptors) {
        return new BackendTaskClient(backend, codec, interceptors.orderedStream().toList());
    }

    @Bean
    WorkerEventLogging apalisWorkerEventLogging() {
        return new WorkerEventLogging();
    }

    @Bean
    @ConditionalOnMissingBean(TaskOperator.class)
    BackendTaskOperator apalisTaskOperator(Backend backend) {
        return new BackendTaskOperator(backend);
    }

    @Bean
    @ConditionalOnMissingBean(Workers.class)
    WorkerLifecycle apalisWorkers(ApalisProperties properties, Backend backend, PayloadCodec codec,
            ConfigurableListableBeanFactory beanFactory, ApplicationEventPublisher eventPublisher,
            Environment environment, ObjectProvider<TaskInterceptor> interceptors,
            ObjectProvider<WorkerEventListener> listeners, ObjectProvider<WorkerBuilderCustomizer> customizers) {
        warnIfShutdownOutlastsLifecyclePhase(properties, environment);
        return new WorkerLifecycle(properties, backend, codec, beanFactory, eventPublisher,
                Threading.VIRTUAL.isActive(environment), interceptors, listeners, customizers);
    }

    @Bean
    @ConditionalOnMissingBean(WorkerActivity.class)
    WorkerActivity apalisWorkerActivity(Workers workers) {
        return new WorkerActivity(workers);
    }

    private static void warnIfShutdownOutlastsLifecyclePhase(ApalisProperties properties, Environment environment) {
        Duration phaseTimeout = Binder.get(environment)
            .bind("spring.lifecycle.timeout-per-shutdown-phase", Duration.class)
            .orElse(DEFAULT_LIFECYCLE_PHASE_TIMEOUT);
        Duration longest = properties.getShutdown().getTimeout();
        for (NamedWorkerProperties worker : properties.getWorkers().values()) {
            if (worker.getShutdownTimeout() != null && worker.getShutdownTimeout().compareTo(longest) > 0) {
                longest = worker.getShutdownTimeout();
            }
        }
        if (longest.compareTo(phaseTimeout) >= 0) {
            logger.warn("Apalis workers may take up to " + longest + " to drain on shutdown, but "
                    + "spring.lifecycle.timeout-per-shutdown-phase is " + phaseTimeout + ": Spring may destroy beans "
                    + "(the DataSource among them) while tasks still run. Raise the phase timeout above the "
                    + "longest apalis shutdown timeout, with a few seconds to spare.");
        }
    }
}
