package dev.apalis.spring.boot;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.assertj.core.api.InstanceOfAssertFactories;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.SystemEnvironmentPropertySource;

import dev.apalis.backend.memory.MemoryStorage;
import dev.apalis.backend.postgres.PostgresStorage;
import dev.apalis.spring.TaskHandler;
import dev.apalis.worker.RetryPolicy;
import dev.apalis.worker.WorkerBuilder;

import static org.assertj.core.api.Assertions.as;
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
        WorkerProperties defaults = properties.getDefaults();
        assertThat(defaults.getEnabled()).isTrue();
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
        assertThat(properties.getHeartbeat().getOrphanThreshold()).isEqualTo(PostgresStorage.DEFAULT_ORPHAN_THRESHOLD)
            .isEqualTo(MemoryStorage.DEFAULT_ORPHAN_THRESHOLD);
        assertThat(properties.getHeartbeat().getInterval()).isEqualTo(WorkerBuilder.DEFAULT_HEARTBEAT_INTERVAL);
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
                "apalis.heartbeat.orphan-threshold=1m", "apalis.heartbeat.interval=10s",
                "apalis.jdbc.maintenance-interval=2m", "apalis.jdbc.retention.done=0s",
                "apalis.jdbc.retention.killed=30d", "apalis.shutdown.timeout=5s")
            .withUserConfiguration(EmailHandler.class)
            .run((context) -> {
                assertThat(context).hasNotFailed();
                ApalisProperties properties = context.getBean(ApalisProperties.class);
                assertThat(properties.getBackend()).isEqualTo(ApalisProperties.BackendType.MEMORY);
                WorkerProperties defaults = properties.getDefaults();
                assertThat(defaults.getEnabled()).isFalse();
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
                NamedWorkerProperties email = properties.getWorkers().get("email");
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
                assertThat(properties.getHeartbeat().getOrphanThreshold()).isEqualTo(Duration.ofMinutes(1));
                assertThat(properties.getHeartbeat().getInterval()).isEqualTo(Duration.ofSeconds(10));
                assertThat(jdbc.getMaintenanceInterval()).isEqualTo(Duration.ofMinutes(2));
                assertThat(jdbc.getRetention().getDone()).isZero();
                assertThat(jdbc.getRetention().getKilled()).isEqualTo(Duration.ofDays(30));
                assertThat(properties.getShutdown().getTimeout()).isEqualTo(Duration.ofSeconds(5));
            });
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', textBlock = """
            apalis.defaults.concurrency            | -1          | must be 1 or more
            apalis.defaults.concurrency            | 0           | must be 1 or more
            apalis.defaults.prefetch               | -1          | must be 0 or more
            apalis.defaults.poll-interval          | 0           | must be at least 50ms
            apalis.defaults.poll-interval          | 5ms         | must be at least 50ms
            apalis.defaults.timeout                | 50ms        | must be at least 100ms
            apalis.defaults.max-attempts           | 0           | must be 1 or more
            apalis.defaults.backoff.initial        | -1s         | must be a duration of zero or more
            apalis.defaults.backoff.multiplier     | 0.5         | must be 1.0 or more
            apalis.defaults.backoff.jitter         | 1.5         | must be between 0.0 and 1.0
            apalis.defaults.backoff.jitter         | -0.1        | must be between 0.0 and 1.0
            apalis.defaults.backoff.max            | 10ms        | must not be shorter than apalis.defaults.backoff.initial
            apalis.defaults.rate-limit.permits     | -5          | must be 0 or more
            apalis.defaults.rate-limit.period      | 0s          | must be a positive duration
            apalis.workers.email.concurrency       | 0           | must be 1 or more
            apalis.workers.email.queue             | ' '         | must not be blank
            apalis.workers.email.poll-interval     | 0ms         | must be at least 50ms
            apalis.workers.email.backoff.jitter    | 2           | must be between 0.0 and 1.0
            apalis.workers.email.max-attempts      | -3          | must be 1 or more
            apalis.workers.email.shutdown-timeout  | -1s         | must be a duration of zero or more
            apalis.workers.email.rate-limit.period | 0s          | must be a positive duration
            apalis.jdbc.schema                     | 'apalis; drop table x' | must be a plain SQL identifier
            apalis.jdbc.schema                     | 1apalis     | must be a plain SQL identifier
            apalis.jdbc.schema                     | PG_tasks    | must not start with pg_
            apalis.heartbeat.orphan-threshold      | 0s          | must be at least 1s
            apalis.heartbeat.interval              | 30s         | must be shorter than apalis.heartbeat.orphan-threshold (30s)
            apalis.jdbc.maintenance-interval       | 0s          | must be at least 1s
            apalis.heartbeat.interval              | 10ms        | must be at least 100ms
            apalis.metrics.queue-depth.refresh-interval | 500ms       | must be at least 1s
            apalis.jdbc.retention.done             | -1d         | must be a duration of zero or more
            apalis.jdbc.retention.killed           | 0s          | must be a positive duration
            apalis.shutdown.timeout                | -1s         | must be a duration of zero or more
            """)
    void invalidValueFailsStartUpNamingThePropertyItsValueAndWhatItAllows(String property, String value,
            String message) {
        this.runner.withPropertyValues(property + "=" + value).run((context) -> assertThat(problems(context))
            .singleElement(as(InstanceOfAssertFactories.STRING))
            .startsWith(property + "=" + value.strip() + " (from ")
            .contains(message));
    }

    @Test
    void everyProblemIsReportedAtOnceConversionsAndRangesAlike() {
        this.runner
            .withPropertyValues("apalis.defaults.concurrency=abc", "apalis.defaults.backoff.jitter=2",
                    "apalis.workers.email.concurency=2", "apalis.shutdown.timout=1s")
            .run((context) -> assertThat(problems(context)).hasSize(3)
                .anySatisfy((problem) -> assertThat(problem).startsWith("apalis.defaults.concurrency=abc")
                    .contains("must be a whole number"))
                .anySatisfy((problem) -> assertThat(problem).startsWith("apalis.workers.email.concurency=2")
                    .contains("is not a known property; did you mean apalis.workers.email.concurrency?"))
                .anySatisfy((problem) -> assertThat(problem).startsWith("apalis.shutdown.timout=1s")
                    .contains("did you mean apalis.shutdown.timeout?")));
    }

    @Test
    void rangesAreCheckedTogetherOnceEveryValueReads() {
        this.runner.withPropertyValues("apalis.defaults.concurrency=0", "apalis.jdbc.schema=x-y")
            .run((context) -> assertThat(problems(context)).hasSize(2));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            apalis.workers.flaky.concurency=2      | apalis.workers.flaky.concurrency
            apalis.defaults.max-attempt=3          | apalis.defaults.max-attempts
            apalis.workers.flaky.backoff.inital=5s | apalis.workers.flaky.backoff.initial
            apalis.shutdown.timout=1s              | apalis.shutdown.timeout
            apalis.jdbc.shema=jobs                 | apalis.jdbc.schema
            apalis.metric.enabled=false            | apalis.metrics.enabled
            """)
    void unknownKeyFailsStartUpNamingTheClosestKnownKey(String property, String closest) {
        this.runner.withPropertyValues(property).run((context) -> assertThat(problems(context))
            .singleElement(as(InstanceOfAssertFactories.STRING))
            .startsWith(property + " (from ")
            .endsWith("is not a known property; did you mean " + closest + "?"));
    }

    @Test
    void deprecatedHeartbeatKeysStillWork() {
        this.runner.withPropertyValues("apalis.jdbc.orphan-threshold=1m", "apalis.jdbc.heartbeat-interval=10s")
            .run((context) -> {
                assertThat(context).hasNotFailed();
                ApalisProperties.Heartbeat heartbeat = context.getBean(ApalisProperties.class).getHeartbeat();
                assertThat(heartbeat.getOrphanThreshold()).isEqualTo(Duration.ofMinutes(1));
                assertThat(heartbeat.getInterval()).isEqualTo(Duration.ofSeconds(10));
            });
    }

    @Test
    void aNumberWithoutAUnitIsSeconds() {
        this.runner.withPropertyValues("apalis.defaults.poll-interval=5", "apalis.defaults.timeout=5",
                "apalis.heartbeat.interval=2")
            .run((context) -> {
                ApalisProperties properties = context.getBean(ApalisProperties.class);
                assertThat(properties.getDefaults().getPollInterval()).isEqualTo(Duration.ofSeconds(5));
                assertThat(properties.getDefaults().getTimeout()).isEqualTo(Duration.ofSeconds(5));
                assertThat(properties.getHeartbeat().getInterval()).isEqualTo(Duration.ofSeconds(2));
            });
    }

    @Test
    void unknownBackendFailsNamingThePropertyAndTheValidValues() {
        this.runner.withPropertyValues("apalis.backend=redis").run((context) -> assertThat(problems(context))
            .singleElement(as(InstanceOfAssertFactories.STRING))
            .startsWith("apalis.backend=redis")
            .endsWith("must be one of auto, jdbc, memory"));
    }

    @Test
    void unknownSchemaInitializationFailsNamingTheProperty() {
        this.runner.withPropertyValues("apalis.jdbc.initialize-schema=embedded")
            .run((context) -> assertThat(problems(context)).singleElement(as(InstanceOfAssertFactories.STRING))
                .startsWith("apalis.jdbc.initialize-schema=embedded")
                .endsWith("must be one of always, never"));
    }

    @Test
    void unparsableDurationFailsNamingTheProperty() {
        this.runner.withPropertyValues("apalis.defaults.poll-interval=soon")
            .run((context) -> assertThat(problems(context)).singleElement(as(InstanceOfAssertFactories.STRING))
                .startsWith("apalis.defaults.poll-interval=soon")
                .contains("must be a duration such as 500ms"));
    }

    @Test
    void environmentVariablesAreCheckedBelowKnownGroupsOnly() {
        this.runner.withInitializer((context) -> context.getEnvironment()
            .getPropertySources()
            .addFirst(new SystemEnvironmentPropertySource("systemEnvironment", Map.of("APALIS_HOME", "/opt/apalis",
                    "APALIS_DEFAULTS_CONCURENCY", "3"))))
            .run((context) -> assertThat(problems(context)).singleElement(as(InstanceOfAssertFactories.STRING))
                .contains("APALIS_DEFAULTS_CONCURENCY")
                .contains("did you mean apalis.defaults.concurrency?"));
    }

    /** The problems listed by the start-up failure, one per line. */
    static List<String> problems(AssertableApplicationContext context) {
        assertThat(context).hasFailed();
        for (Throwable current = context.getStartupFailure(); current != null; current = current.getCause()) {
            if (current instanceof ApalisConfigurationException problem) {
                return problem.getDescription()
                    .lines()
                    .filter((line) -> line.startsWith("  - "))
                    .map((line) -> line.substring(4))
                    .toList();
            }
        }
        throw new AssertionError("No ApalisConfigurationException in " + context.getStartupFailure(),
                context.getStartupFailure());
    }

    @Configuration(proxyBeanMethods = false)
    static class EmailHandler {

        @TaskHandler("email")
        void handle(String payload) {
        }
    }
}
