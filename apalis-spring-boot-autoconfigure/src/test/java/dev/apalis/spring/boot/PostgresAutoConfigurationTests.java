package dev.apalis.spring.boot;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;
import org.springframework.jdbc.core.simple.JdbcClient;

import dev.apalis.backend.Backend;
import dev.apalis.backend.memory.MemoryStorage;
import dev.apalis.backend.postgres.PostgresStorage;
import dev.apalis.spring.TaskClient;
import dev.apalis.task.TaskId;
import dev.apalis.test.TestPostgres;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The JDBC branches of {@link ApalisAutoConfiguration} against a real PostgreSQL. Needs
 * {@link PostgresStorage}.
 */
class PostgresAutoConfigurationTests {

    private static final TestPostgres.Database MAIN = TestPostgres.createDatabase("PostgresAutoConfigMain");

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class, ApalisAutoConfiguration.class))
        .withPropertyValues("spring.datasource.url=" + MAIN.jdbcUrl(), "spring.datasource.username=" + MAIN.username(),
                "spring.datasource.password=" + MAIN.password());

    @Test
    void autoUsesPostgresWhenThereIsADataSource() {
        this.runner.run((context) -> {
            assertThat(context).hasSingleBean(PostgresStorage.class).doesNotHaveBean(MemoryStorage.class);
            assertThat(context.getBean(PostgresStorage.class).schema()).isEqualTo("apalis");
            assertThat(schemaExists(context.getBean(DataSource.class), "apalis")).isTrue();
        });
    }

    @Test
    void databaseDownAtStartUpIsOneFailureAnalysisWithTheCauseAndTheFix() throws Exception {
        int closedPort;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        this.runner
            .withPropertyValues("spring.datasource.url=jdbc:postgresql://127.0.0.1:" + closedPort + "/nowhere",
                    "spring.datasource.hikari.connection-timeout=250")
            .run((context) -> {
                assertThat(context).hasFailed();
                assertThat(context.getStartupFailure()).rootCause().isInstanceOf(java.net.ConnectException.class);
                ApalisConfigurationException failure = null;
                for (Throwable t = context.getStartupFailure(); t != null; t = t.getCause()) {
                    if (t instanceof ApalisConfigurationException found) {
                        failure = found;
                        break;
                    }
                }
                assertThat(failure).isNotNull();
                assertThat(failure.getDescription()).startsWith("The JDBC backend could not reach its database")
                    .contains("Connection to 127.0.0.1:" + closedPort + " refused");
                assertThat(failure.getAction()).contains("Start the database").contains("spring.datasource.url");
                org.springframework.boot.diagnostics.FailureAnalysis analysis = new ApalisConfigurationFailureAnalyzer()
                    .analyze(context.getStartupFailure());
                assertThat(analysis.getDescription()).isEqualTo(failure.getDescription());
            });
    }

    @Test
    void jdbcWhenForced() {
        this.runner.withPropertyValues("apalis.backend=jdbc")
            .run((context) -> assertThat(context).hasSingleBean(PostgresStorage.class));
    }

    @Test
    void schemaComesFromProperties() {
        this.runner.withPropertyValues("apalis.jdbc.schema=custom_tasks").run((context) -> {
            assertThat(context.getBean(PostgresStorage.class).schema()).isEqualTo("custom_tasks");
            assertThat(schemaExists(context.getBean(DataSource.class), "custom_tasks")).isTrue();
        });
    }

    @Test
    void schemaIsLeftAloneWhenInitializationIsOff() {
        TestPostgres.Database empty = TestPostgres.createDatabase("PostgresAutoConfigNever");
        this.runner
            .withPropertyValues("spring.datasource.url=" + empty.jdbcUrl(), "apalis.jdbc.initialize-schema=never",
                    "apalis.jdbc.schema=never_created")
            .run((context) -> {
                assertThat(context).hasSingleBean(PostgresStorage.class);
                assertThat(schemaExists(context.getBean(DataSource.class), "never_created")).isFalse();
            });
    }

    @Test
    void apalisDataSourceQualifierChoosesTheDataSourceForTasks() {
        TestPostgres.Database tasks = TestPostgres.createDatabase("PostgresAutoConfigTasks");
        this.runner.withBean("tasksDatabase", TestPostgres.Database.class, () -> tasks)
            .withUserConfiguration(TwoDataSources.class)
            .run((context) -> {
                assertThat(context).hasSingleBean(PostgresStorage.class);
                TaskId id = context.getBean(TaskClient.class).push("elsewhere", "payload");
                DataSource main = context.getBean("mainDataSource", DataSource.class);
                DataSource forTasks = context.getBean("tasksDataSource", DataSource.class);
                assertThat(schemaExists(forTasks, "apalis")).isTrue();
                assertThat(schemaExists(main, "apalis")).isFalse();
                assertThat(context.getBean(Backend.class).find(id)).isPresent();
            });
    }

    private static boolean schemaExists(DataSource dataSource, String schema) {
        return JdbcClient.create(dataSource)
            .sql("select count(*) from information_schema.schemata where schema_name = ?")
            .param(schema)
            .query(Long.class)
            .single() > 0;
    }

    @Configuration(proxyBeanMethods = false)
    static class TwoDataSources {

        @Bean
        @Primary
        HikariDataSource mainDataSource() {
            return TestPostgres.createDatabase("PostgresAutoConfigOther").newDataSource(2);
        }

        @Bean
        @ApalisDataSource
        HikariDataSource tasksDataSource(TestPostgres.Database tasksDatabase) {
            return tasksDatabase.newDataSource(4);
        }
    }
}
