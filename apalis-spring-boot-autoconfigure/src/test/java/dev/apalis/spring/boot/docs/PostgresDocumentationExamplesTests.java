package dev.apalis.spring.boot.docs;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.JdbcClientAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.JdbcTemplateAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.transaction.autoconfigure.TransactionAutoConfiguration;
import org.springframework.jdbc.core.simple.JdbcClient;

import dev.apalis.backend.postgres.PostgresStorage;
import dev.apalis.spring.TaskClient;
import dev.apalis.spring.boot.ApalisAutoConfiguration;
import dev.apalis.task.TaskId;
import dev.apalis.test.TestPostgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;

/**
 * The documentation's database examples on a real PostgreSQL. Needs {@link PostgresStorage}.
 */
class PostgresDocumentationExamplesTests {

    @Test
    void signUpStoresTheUserAndTheTaskTogether() {
        TestPostgres.Database database = TestPostgres.createDatabase("DocsSignup");
        new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class,
                    DataSourceTransactionManagerAutoConfiguration.class, TransactionAutoConfiguration.class,
                    JdbcTemplateAutoConfiguration.class, JdbcClientAutoConfiguration.class,
                    ApalisAutoConfiguration.class))
            .withUserConfiguration(SignupService.class)
            .withPropertyValues("spring.datasource.url=" + database.jdbcUrl(),
                    "spring.datasource.username=" + database.username(),
                    "spring.datasource.password=" + database.password())
            .run((context) -> {
                JdbcClient jdbc = context.getBean(JdbcClient.class);
                jdbc.sql("create table users (email text primary key)").update();
                SignupService signups = context.getBean(SignupService.class);
                TaskId id = signups.signUp("ada@example.com");
                assertThat(context.getBean(TaskClient.class).find(id)).isPresent();
                // a second sign-up with the same address fails on the primary key: neither row nor task stays
                long before = context.getBean(PostgresStorage.class).countByQueueAndStatus().stream()
                    .mapToLong((count) -> count.count()).sum();
                assertThatException().isThrownBy(() -> signups.signUp("ada@example.com"));
                long after = context.getBean(PostgresStorage.class).countByQueueAndStatus().stream()
                    .mapToLong((count) -> count.count()).sum();
                assertThat(after).isEqualTo(before);
            });
    }

    @Test
    void tasksDataSourceIsTheOneTasksAreStoredIn() {
        TestPostgres.Database app = TestPostgres.createDatabase("DocsApp");
        TestPostgres.Database tasks = TestPostgres.createDatabase("DocsTasks");
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(ApalisAutoConfiguration.class))
            .withUserConfiguration(TasksDataSourceConfiguration.class)
            .withPropertyValues("app.datasource.jdbc-url=" + app.jdbcUrl(),
                    "app.datasource.username=" + app.username(), "app.datasource.password=" + app.password(),
                    "app.tasks-datasource.jdbc-url=" + tasks.jdbcUrl(),
                    "app.tasks-datasource.username=" + tasks.username(),
                    "app.tasks-datasource.password=" + tasks.password())
            .run((context) -> {
                assertThat(context).hasSingleBean(PostgresStorage.class);
                assertThat(hasApalisSchema(context.getBean("tasksDataSource", DataSource.class))).isTrue();
                assertThat(hasApalisSchema(context.getBean("appDataSource", DataSource.class))).isFalse();
            });
    }

    private static boolean hasApalisSchema(DataSource dataSource) {
        return JdbcClient.create(dataSource)
            .sql("select count(*) from information_schema.schemata where schema_name = 'apalis'")
            .query(Long.class)
            .single() > 0;
    }
}
