package dev.apalis.spring.boot;

import java.util.List;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.datasource.DataSourceUtils;

import dev.apalis.backend.Backend;
import dev.apalis.backend.memory.MemoryStorage;
import dev.apalis.spring.BackendTaskClient;
import dev.apalis.spring.TaskClient;
import dev.apalis.spring.WorkerDefinition;
import dev.apalis.spring.Workers;
import dev.apalis.task.JsonPayloadCodec;
import dev.apalis.task.PayloadCodec;
import dev.apalis.task.Task;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskOptions;
import dev.apalis.worker.WorkerContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;

/**
 * Which beans {@link ApalisAutoConfiguration} defines: the backend branches, back-off when the
 * application defines a bean, missing classes, and the codec over the application's mapper. The JDBC
 * branches that build a real {@code PostgresStorage} are in {@link PostgresAutoConfigurationTests}.
 */
@ExtendWith(OutputCaptureExtension.class)
class ApalisAutoConfigurationTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(ApalisAutoConfiguration.class));

    @Test
    void withoutDataSourceUsesMemoryAndDefinesEveryBean() {
        this.runner.run((context) -> {
            assertThat(context).hasSingleBean(MemoryStorage.class)
                .hasSingleBean(JsonPayloadCodec.class)
                .hasSingleBean(BackendTaskClient.class)
                .hasSingleBean(WorkerLifecycle.class)
                .hasSingleBean(ApalisProperties.class);
            assertThat(context.getBean(Backend.class)).isSameAs(context.getBean("apalisBackend"));
            assertThat(context.getBean(Workers.class)).isSameAs(context.getBean(WorkerLifecycle.class));
            assertThat(context.getBean(WorkerLifecycle.class).isRunning()).isTrue();
        });
    }

    @Test
    void autoWithDataSourceButWithoutPostgresDriverUsesMemory() {
        this.runner.withUserConfiguration(MockDataSourceConfiguration.class)
            .withClassLoader(new FilteredClassLoader("org.postgresql"))
            .run((context) -> assertThat(context).hasSingleBean(MemoryStorage.class));
    }

    @Test
    void autoWithDataSourceButWithoutSpringJdbcUsesMemory() {
        this.runner.withUserConfiguration(MockDataSourceConfiguration.class)
            .withClassLoader(new FilteredClassLoader(DataSourceUtils.class))
            .run((context) -> assertThat(context).hasSingleBean(MemoryStorage.class));
    }

    @Test
    void memoryWhenForcedEvenWithADataSource() {
        this.runner.withUserConfiguration(MockDataSourceConfiguration.class)
            .withPropertyValues("apalis.backend=memory")
            .run((context) -> assertThat(context).hasSingleBean(MemoryStorage.class));
    }

    @Test
    void backendValueIsCaseInsensitive() {
        this.runner.withUserConfiguration(MockDataSourceConfiguration.class)
            .withPropertyValues("apalis.backend=MEMORY")
            .run((context) -> assertThat(context).hasSingleBean(MemoryStorage.class));
    }

    @Test
    void jdbcWithoutDataSourceFailsWithAClearMessage() {
        this.runner.withPropertyValues("apalis.backend=jdbc").run((context) -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause()
                .isInstanceOf(ApalisConfigurationException.class)
                .hasMessageContaining("apalis.backend=jdbc")
                .hasMessageContaining("needs a DataSource, but there is none")
                .hasMessageContaining("spring.datasource.url");
        });
    }

    @Test
    void autoWithoutDataSourceWarnsThatTasksAreLostOnRestart(CapturedOutput output) {
        this.runner.run((context) -> assertThat(context).hasSingleBean(MemoryStorage.class));
        assertThat(output).contains("WARN")
            .contains("Apalis stores tasks in memory")
            .contains("tasks are lost on restart");
    }

    @Test
    void memoryChosenOnPurposeDoesNotWarn(CapturedOutput output) {
        this.runner.withPropertyValues("apalis.backend=memory")
            .run((context) -> assertThat(context).hasSingleBean(MemoryStorage.class));
        assertThat(output).contains("Apalis stores tasks in memory (apalis.backend=memory)")
            .doesNotContain("tasks are lost on restart");
    }

    @Test
    void autoWithDatasourceUrlButNoDataSourceBeanNamesTheMissingStarter(CapturedOutput output) {
        this.runner.withPropertyValues("spring.datasource.url=jdbc:postgresql://localhost/app")
            .run((context) -> assertThat(context).hasSingleBean(MemoryStorage.class));
        assertThat(output).contains("spring.datasource.url is set, but there is no DataSource bean: add "
                + "spring-boot-starter-jdbc");
    }

    @Test
    void jdbcWithDatasourceUrlButNoDataSourceBeanNamesTheMissingStarter() {
        this.runner.withPropertyValues("apalis.backend=jdbc", "spring.datasource.url=jdbc:postgresql://localhost/app")
            .run((context) -> {
                assertThat(context).hasFailed();
                assertThat(context.getStartupFailure()).rootCause()
                    .isInstanceOf(ApalisConfigurationException.class)
                    .hasMessageContaining("spring.datasource.url is set, but nothing creates a DataSource from it")
                    .hasMessageContaining("add spring-boot-starter-jdbc");
            });
    }

    @Test
    void jdbcWithoutSpringJdbcFailsWithAClearMessage() {
        this.runner.withPropertyValues("apalis.backend=jdbc")
            .withClassLoader(new FilteredClassLoader(DataSourceUtils.class))
            .run((context) -> {
                assertThat(context).hasFailed();
                assertThat(context.getStartupFailure()).rootCause()
                    .isInstanceOf(ApalisConfigurationException.class)
                    .hasMessageContaining("spring-jdbc is not on the classpath")
                    .hasMessageContaining("apalis.backend=memory");
            });
    }

    @Test
    void autoWithTwoDataSourcesAndNoneChosenFailsInsteadOfLosingTasksInMemory() {
        this.runner.withUserConfiguration(TwoMockDataSourcesConfiguration.class).run((context) -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause()
                .isInstanceOf(ApalisConfigurationException.class)
                .hasMessageContaining("there are 2 and none is @Primary or @ApalisDataSource")
                .hasMessageContaining("Mark the DataSource for tasks with @ApalisDataSource");
        });
    }

    @Test
    void backsOffWhenTheApplicationDefinesItsBackend() {
        this.runner.withUserConfiguration(MockDataSourceConfiguration.class, UserBackendConfiguration.class)
            .run((context) -> {
                assertThat(context).hasSingleBean(Backend.class);
                assertThat(context.getBean(Backend.class)).isSameAs(context.getBean("userBackend"));
                assertThat(context.getBean(BackendTaskClient.class).toString()).contains("MemoryStorage");
            });
    }

    @Test
    void backsOffWhenTheApplicationDefinesItsCodec() {
        this.runner.withUserConfiguration(UserCodecConfiguration.class).run((context) -> {
            assertThat(context).hasSingleBean(PayloadCodec.class).doesNotHaveBean(JsonPayloadCodec.class);
            TaskId id = context.getBean(TaskClient.class).push("q", "anything", TaskOptions.defaults().delay(
                    java.time.Duration.ofHours(1)));
            assertThat(context.getBean(TaskClient.class).find(id)).map(Task::payload).hasValue("\"fixed\"");
        });
    }

    @Test
    void backsOffWhenTheApplicationDefinesItsTaskClient() {
        this.runner.withUserConfiguration(UserTaskClientConfiguration.class).run((context) -> {
            assertThat(context).hasSingleBean(TaskClient.class).doesNotHaveBean(BackendTaskClient.class);
            assertThat(context.getBean(TaskClient.class)).isSameAs(context.getBean("userTaskClient"));
        });
    }

    @Test
    void backsOffWhenTheApplicationDefinesItsWorkers() {
        this.runner.withUserConfiguration(UserWorkersConfiguration.class).run((context) -> {
            assertThat(context).hasSingleBean(Workers.class).doesNotHaveBean(WorkerLifecycle.class);
            assertThat(context).getBeans(SmartLifecycle.class).isEmpty();
        });
    }

    @Test
    void codecUsesTheApplicationsJsonMapper() {
        this.runner.withUserConfiguration(SnakeCaseMapperConfiguration.class).run((context) -> {
            String json = context.getBean(PayloadCodec.class).encode(new Person("Ada", "Lovelace"));
            assertThat(json).contains("\"first_name\":\"Ada\"");
        });
    }

    @Test
    void codecUsesTheMapperOfJacksonAutoConfiguration() {
        this.runner.withConfiguration(AutoConfigurations.of(JacksonAutoConfiguration.class))
            .withPropertyValues("spring.jackson.property-naming-strategy=SNAKE_CASE")
            .run((context) -> {
                assertThat(context).hasSingleBean(JsonMapper.class);
                assertThat(context.getBean(PayloadCodec.class).encode(new Person("Ada", "Lovelace")))
                    .contains("\"last_name\":\"Lovelace\"");
            });
    }

    @Test
    void codecWithoutAnyMapperUsesJacksonDefaults() {
        this.runner.run((context) -> {
            PayloadCodec codec = context.getBean(PayloadCodec.class);
            assertThat(codec.encode(new Person("Ada", "Lovelace"))).contains("\"firstName\":\"Ada\"");
            assertThat(codec.<List<Person>>decode("[{\"firstName\":\"Ada\",\"lastName\":\"L\"}]",
                    new org.springframework.core.ParameterizedTypeReference<List<Person>>() { }.getType()))
                .containsExactly(new Person("Ada", "L"));
        });
    }

    @Test
    void workersAreEmptyWithoutHandlers() {
        this.runner.run((context) -> {
            Workers workers = context.getBean(Workers.class);
            assertThat(workers.definitions()).isEmpty();
            assertThat(workers.find("email")).isEmpty();
        });
    }

    @Test
    void warnsWhenWorkersMayDrainLongerThanSpringWaitsForTheirPhase(CapturedOutput output) {
        this.runner.withPropertyValues("apalis.shutdown.timeout=40s").run((context) -> {
            assertThat(context).hasNotFailed();
            assertThat(output).contains("Apalis workers may take up to PT40S to drain on shutdown, but "
                    + "spring.lifecycle.timeout-per-shutdown-phase is PT30S");
        });
    }

    @Test
    void doesNotWarnWhenTheDrainFitsInThePhase(CapturedOutput output) {
        this.runner.withPropertyValues("apalis.shutdown.timeout=40s", "spring.lifecycle.timeout-per-shutdown-phase=1m")
            .run((context) -> assertThat(output).doesNotContain("to drain on shutdown"));
    }

    @Test
    void lifecycleRunsInAPhaseBelowTheWebServer() {
        assertThat(WorkerLifecycle.PHASE).isLessThan(SmartLifecycle.DEFAULT_PHASE - 2048);
        this.runner.run((context) -> assertThat(context.getBean(WorkerLifecycle.class).getPhase())
            .isEqualTo(WorkerLifecycle.PHASE));
    }

    record Person(String firstName, String lastName) {
    }

    @Configuration(proxyBeanMethods = false)
    static class MockDataSourceConfiguration {

        @Bean
        DataSource dataSource() {
            return mock(DataSource.class);
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class TwoMockDataSourcesConfiguration {

        @Bean
        DataSource firstDataSource() {
            return mock(DataSource.class);
        }

        @Bean
        DataSource secondDataSource() {
            return mock(DataSource.class);
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class UserBackendConfiguration {

        @Bean
        Backend userBackend() {
            return new MemoryStorage();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class UserCodecConfiguration {

        @Bean
        PayloadCodec userCodec() {
            return new PayloadCodec() {

                @Override
                public String encode(Object payload) {
                    return "\"fixed\"";
                }

                @Override
                public <T> T decode(String json, java.lang.reflect.Type type) {
                    throw new UnsupportedOperationException();
                }
            };
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class UserTaskClientConfiguration {

        @Bean
        TaskClient userTaskClient() {
            return mock(TaskClient.class);
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class UserWorkersConfiguration {

        @Bean
        Workers userWorkers() {
            return new Workers() {

                @Override
                public List<WorkerDefinition> definitions() {
                    return List.of();
                }

                @Override
                public java.util.Optional<WorkerDefinition> definition(String name) {
                    return java.util.Optional.empty();
                }

                @Override
                public java.util.Optional<WorkerContext> find(String name) {
                    return java.util.Optional.empty();
                }

                @Override
                public WorkerContext get(String name) {
                    throw new java.util.NoSuchElementException(name);
                }
            };
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class SnakeCaseMapperConfiguration {

        @Bean
        JsonMapper jsonMapper() {
            return JsonMapper.builder().propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE).build();
        }
    }
}
