package dev.apalis.spring.boot;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.validation.BindValidationException;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.ContextConsumer;
import org.springframework.context.annotation.Configuration;
import org.springframework.validation.FieldError;
import org.springframework.validation.ObjectError;

import dev.apalis.backend.memory.MemoryStorage;
import dev.apalis.backend.postgres.PostgresStorage;
import dev.apalis.spring.TaskHandler;
import dev.apalis.worker.RetryPolicy;
import dev.apalis.worker.WorkerBuilder;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Binding and bind-time validation of {@link ApalisProperties}: every invalid value fails start-up
 * naming the property and what it allows.
 */
class ApalisPropertiesTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(ApalisAutoConfiguration.class))
        .withPropertyValues("apalis.backend=memory");

    @Test
    void defaultsMatchTheCoreDefaults() {
        ApalisProperties properties = new ApalisProperties();
        assertThat(properties.getBackend()).isEqualTo(ApalisProperties.BackendType.AUTO);
        ApalisProperties.Defaults defaults = properties.getDefaults();
        assertThat(defaults.isEnabled()).isTrue();
        assertThat(defaults.getConcurrency()).isEqualTo(WorkerBuilder.DEFAULT_CONCURRENCY);
        assertThat(defaults.getPrefetch()).as("adaptive").isNull();
        assertThat(defaults.getPollInterval()).isEqualTo(WorkerBuilder.DEFAULT_POLL_INTERVAL);
        assertThat(defaults.getTimeout()).isNull();
        assertThat(defaults.getMaxAttempts()).isEqualTo(RetryPolicy.DEFAULT_MAX_ATTEMPTS);
        assertThat(defaults.getBackoff().getInitial()).isEqualTo(RetryPolicy.DEFAULT_INITIAL);
        assertThat(defaults.getBackoff().getMultiplier()).isEqualTo(RetryPolicy.DEFAULT_MULTIPLIER);
        assertThat(defaults.getBackoff().getMax()).isEqualTo(RetryPolicy.DEFAULT_MAX);
        assertThat(defaults.getBackoff().getJitter()).isEqualTo(RetryPolicy.DEFAULT_JITTER);
        assertThat(defaults.getRateLimit().getPermits()).isZero();
        ApalisProperties.Jdbc jdbc = properties.getJdbc();
        assertThat(jdbc.getSchema()).isEqualTo(PostgresStorage.DEFAULT_SCHEMA);
        assertThat(jdbc.getInitializeSchema()).isEqualTo(ApalisProperties.SchemaInitialization.ALWAYS);
        assertThat(jdbc.isNotifications()).isTrue();
        assertThat(jdbc.getOrphanThreshold()).isEqualTo(PostgresStorage.DEFAULT_ORPHAN_THRESHOLD)
            .isEqualTo(MemoryStorage.DEFAULT_ORPHAN_THRESHOLD);
        assertThat(jdbc.getHeartbeatInterval()).isEqualTo(WorkerBuilder.DEFAULT_HEARTBEAT_INTERVAL);
        assertThat(jdbc.getMaintenanceInterval()).isEqualTo(PostgresStorage.DEFAULT_MAINTENANCE_INTERVAL);
        assertThat(jdbc.getRetention().getDone()).isEqualTo(PostgresStorage.DEFAULT_DONE_RETENTION);
        assertThat(jdbc.getRetention().getKilled()).isEqualTo(PostgresStorage.DEFAULT_KILLED_RETENTION);
        assertThat(properties.getShutdown().getTimeout()).isEqualTo(Duration.ofSeconds(25));
        assertThat(properties.getWorkers()).isEmpty();
    }

    @Test
    void bindsEveryProperty() {
        this.runner.withPropertyValues("apalis.defaults.enabled=false", "apalis.defaults.concurrency=3",
                "apalis.defaults.prefetch=4", "apalis.defaults.poll-interval=250ms", "apalis.defaults.timeout=1m",
                "apalis.defaults.max-attempts=6", "apalis.defaults.backoff.initial=2s",
                "apalis.defaults.backoff.multiplier=3", "apalis.defaults.backoff.max=10m",
                "apalis.defaults.backoff.jitter=0", "apalis.defaults.rate-limit.permits=100",
                "apalis.defaults.rate-limit.period=1m", "apalis.workers.email.enabled=true",
                "apalis.workers.email.queue=mail", "apalis.workers.email.concurrency=2",
                "apalis.workers.email.prefetch=1", "apalis.workers.email.poll-interval=5s",
                "apalis.workers.email.timeout=30s", "apalis.workers.email.max-attempts=9",
                "apalis.workers.email.shutdown-timeout=1m", "apalis.workers.email.backoff.initial=100ms",
                "apalis.workers.email.backoff.multiplier=1.0", "apalis.workers.email.backoff.max=1s",
                "apalis.workers.email.backoff.jitter=0.25", "apalis.workers.email.rate-limit.permits=10",
                "apalis.workers.email.rate-limit.period=1s", "apalis.jdbc.schema=jobs_v2",
                "apalis.jdbc.initialize-schema=never", "apalis.jdbc.notifications=false",
                "apalis.jdbc.orphan-threshold=1m", "apalis.jdbc.heartbeat-interval=10s",
                "apalis.jdbc.maintenance-interval=2m", "apalis.jdbc.retention.done=0s",
                "apalis.jdbc.retention.killed=30d", "apalis.shutdown.timeout=5s")
            .withUserConfiguration(EmailHandler.class)
            .run((context) -> {
                assertThat(context).hasNotFailed();
                ApalisProperties properties = context.getBean(ApalisProperties.class);
                assertThat(properties.getBackend()).isEqualTo(ApalisProperties.BackendType.MEMORY);
                ApalisProperties.Defaults defaults = properties.getDefaults();
                assertThat(defaults.isEnabled()).isFalse();
                assertThat(defaults.getConcurrency()).isEqualTo(3);
                assertThat(defaults.getPrefetch()).isEqualTo(4);
                assertThat(defaults.getPollInterval()).isEqualTo(Duration.ofMillis(250));
                assertThat(defaults.getTimeout()).isEqualTo(Duration.ofMinutes(1));
                assertThat(defaults.getMaxAttempts()).isEqualTo(6);
                assertThat(defaults.getBackoff().getInitial()).isEqualTo(Duration.ofSeconds(2));
                assertThat(defaults.getBackoff().getMultiplier()).isEqualTo(3.0);
                assertThat(defaults.getBackoff().getMax()).isEqualTo(Duration.ofMinutes(10));
                assertThat(defaults.getBackoff().getJitter()).isZero();
                assertThat(defaults.getRateLimit().getPermits()).isEqualTo(100);
                assertThat(defaults.getRateLimit().getPeriod()).isEqualTo(Duration.ofMinutes(1));
                ApalisProperties.Worker email = properties.getWorkers().get("email");
                assertThat(email.getEnabled()).isTrue();
                assertThat(email.getQueue()).isEqualTo("mail");
                assertThat(email.getConcurrency()).isEqualTo(2);
                assertThat(email.getPrefetch()).isEqualTo(1);
                assertThat(email.getPollInterval()).isEqualTo(Duration.ofSeconds(5));
                assertThat(email.getTimeout()).isEqualTo(Duration.ofSeconds(30));
                assertThat(email.getMaxAttempts()).isEqualTo(9);
                assertThat(email.getShutdownTimeout()).isEqualTo(Duration.ofMinutes(1));
                assertThat(email.getBackoff().getInitial()).isEqualTo(Duration.ofMillis(100));
                assertThat(email.getBackoff().getMultiplier()).isEqualTo(1.0);
                assertThat(email.getBackoff().getMax()).isEqualTo(Duration.ofSeconds(1));
                assertThat(email.getBackoff().getJitter()).isEqualTo(0.25);
                assertThat(email.getRateLimit().getPermits()).isEqualTo(10);
                assertThat(email.getRateLimit().getPeriod()).isEqualTo(Duration.ofSeconds(1));
                ApalisProperties.Jdbc jdbc = properties.getJdbc();
                assertThat(jdbc.getSchema()).isEqualTo("jobs_v2");
                assertThat(jdbc.getInitializeSchema()).isEqualTo(ApalisProperties.SchemaInitialization.NEVER);
                assertThat(jdbc.isNotifications()).isFalse();
                assertThat(jdbc.getOrphanThreshold()).isEqualTo(Duration.ofMinutes(1));
                assertThat(jdbc.getHeartbeatInterval()).isEqualTo(Duration.ofSeconds(10));
                assertThat(jdbc.getMaintenanceInterval()).isEqualTo(Duration.ofMinutes(2));
                assertThat(jdbc.getRetention().getDone()).isZero();
                assertThat(jdbc.getRetention().getKilled()).isEqualTo(Duration.ofDays(30));
                assertThat(properties.getShutdown().getTimeout()).isEqualTo(Duration.ofSeconds(5));
            });
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', textBlock = """
            apalis.defaults.concurrency            | -1          | apalis.defaults.concurrency must be 1 or more
            apalis.defaults.concurrency            | 0           | apalis.defaults.concurrency must be 1 or more
            apalis.defaults.prefetch               | -1          | apalis.defaults.prefetch must be 0 or more
            apalis.defaults.poll-interval          | 0           | apalis.defaults.poll-interval must be a positive duration
            apalis.defaults.poll-interval          | -1s         | apalis.defaults.poll-interval must be a positive duration
            apalis.defaults.timeout                | 0s          | apalis.defaults.timeout must be a positive duration
            apalis.defaults.max-attempts           | 0           | apalis.defaults.max-attempts must be 1 or more
            apalis.defaults.backoff.initial        | -1s         | apalis.defaults.backoff.initial must be a duration of zero or more
            apalis.defaults.backoff.multiplier     | 0.5         | apalis.defaults.backoff.multiplier must be 1.0 or more
            apalis.defaults.backoff.jitter         | 1.5         | apalis.defaults.backoff.jitter must be between 0.0 and 1.0
            apalis.defaults.backoff.jitter         | -0.1        | apalis.defaults.backoff.jitter must be between 0.0 and 1.0
            apalis.defaults.backoff.max            | 10ms        | apalis.defaults.backoff.max must not be shorter than apalis.defaults.backoff.initial
            apalis.defaults.rate-limit.permits     | -5          | apalis.defaults.rate-limit.permits must be 0 or more
            apalis.defaults.rate-limit.period      | 0s          | apalis.defaults.rate-limit.period must be a positive duration
            apalis.workers.email.concurrency       | 0           | apalis.workers.email.concurrency must be 1 or more
            apalis.workers.email.queue             | ' '         | apalis.workers.email.queue must not be blank
            apalis.workers.email.poll-interval     | 0ms         | apalis.workers.email.poll-interval must be a positive duration
            apalis.workers.email.backoff.jitter    | 2           | apalis.workers.email.backoff.jitter must be between 0.0 and 1.0
            apalis.workers.email.max-attempts      | -3          | apalis.workers.email.max-attempts must be 1 or more
            apalis.workers.email.shutdown-timeout  | -1s         | apalis.workers.email.shutdown-timeout must be a duration of zero or more
            apalis.workers.email.rate-limit.period | 0s          | apalis.workers.email.rate-limit.period must be a positive duration
            apalis.jdbc.schema                     | 'apalis; drop table x' | apalis.jdbc.schema must be a plain SQL identifier
            apalis.jdbc.schema                     | 1apalis     | apalis.jdbc.schema must be a plain SQL identifier
            apalis.jdbc.schema                     | PG_tasks    | apalis.jdbc.schema must not start with pg_
            apalis.jdbc.orphan-threshold           | 0s          | apalis.jdbc.orphan-threshold must be a positive duration
            apalis.jdbc.heartbeat-interval         | 30s         | apalis.jdbc.heartbeat-interval must be shorter than apalis.jdbc.orphan-threshold
            apalis.jdbc.maintenance-interval       | 0s          | apalis.jdbc.maintenance-interval must be a positive duration
            apalis.jdbc.retention.done             | -1d         | apalis.jdbc.retention.done must be a duration of zero or more
            apalis.shutdown.timeout                | -1s         | apalis.shutdown.timeout must be a duration of zero or more
            """)
    void invalidValueFailsStartUpNamingThePropertyAndWhatItAllows(String property, String value, String message) {
        this.runner.withPropertyValues(property + "=" + value).run(assertValidationError(property, message));
    }

    @Test
    void everyInvalidValueIsReportedAtOnce() {
        this.runner.withPropertyValues("apalis.defaults.concurrency=0", "apalis.jdbc.schema=x-y")
            .run((context) -> assertThat(validationErrors(context)).hasSize(2));
    }

    @Test
    void unknownBackendFailsNamingTheProperty() {
        this.runner.withPropertyValues("apalis.backend=redis").run((context) -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).cause()
                .cause()
                .isInstanceOf(BindException.class)
                .hasMessageContaining("apalis.backend")
                .hasRootCauseMessage("No enum constant " + ApalisProperties.BackendType.class.getCanonicalName()
                        + ".redis");
        });
    }

    @Test
    void unknownSchemaInitializationFailsNamingTheProperty() {
        this.runner.withPropertyValues("apalis.jdbc.initialize-schema=embedded").run((context) -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).cause()
                .cause()
                .isInstanceOf(BindException.class)
                .hasMessageContaining("apalis.jdbc.initialize-schema");
        });
    }

    @Test
    void unparsableDurationFailsNamingTheProperty() {
        this.runner.withPropertyValues("apalis.defaults.poll-interval=soon").run((context) -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).cause()
                .cause()
                .isInstanceOf(BindException.class)
                .hasMessageContaining("apalis.defaults.poll-interval");
        });
    }

    private static ContextConsumer<AssertableApplicationContext> assertValidationError(String property, String message) {
        return (context) -> {
            List<ObjectError> errors = validationErrors(context);
            assertThat(errors).hasSize(1);
            assertThat(errors.get(0).getDefaultMessage()).startsWith(message);
            assertThat(errors.get(0)).isInstanceOfSatisfying(FieldError.class,
                    (error) -> assertThat("apalis." + error.getField().replace("[", ".").replace("]", ""))
                        .isEqualToIgnoringCase(property.replace("-", "")));
        };
    }

    private static List<ObjectError> validationErrors(AssertableApplicationContext context) {
        assertThat(context).hasFailed();
        for (Throwable current = context.getStartupFailure(); current != null; current = current.getCause()) {
            if (current instanceof BindValidationException validation) {
                return validation.getValidationErrors().getAllErrors();
            }
        }
        throw new AssertionError("No BindValidationException in " + context.getStartupFailure(),
                context.getStartupFailure());
    }

    @Configuration(proxyBeanMethods = false)
    static class EmailHandler {

        @TaskHandler("email")
        void handle(String payload) {
        }
    }
}
