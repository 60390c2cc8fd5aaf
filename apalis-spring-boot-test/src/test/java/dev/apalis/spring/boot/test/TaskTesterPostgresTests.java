package dev.apalis.spring.boot.test;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.apalis.backend.Backend;
import dev.apalis.backend.postgres.PostgresStorage;
import dev.apalis.test.TestPostgres;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The tester on PostgreSQL, through the application's own DataSource (a fresh database of the test
 * server: {@code APALIS_TEST_JDBC_URL}, else Testcontainers, else embedded).
 */
@SpringBootTest(classes = GreetingApplication.class)
@AutoConfigureTaskTester
class TaskTesterPostgresTests extends TaskTesterContractTests {

    @Autowired
    Backend backend;

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        TestPostgres.Database database = TestPostgres.createDatabase("TaskTesterPostgresTests");
        registry.add("spring.datasource.url", database::jdbcUrl);
        registry.add("spring.datasource.username", database::username);
        registry.add("spring.datasource.password", database::password);
    }

    @Test
    void theBackendIsPostgres() {
        assertThat(this.backend).isInstanceOf(PostgresStorage.class);
    }
}
