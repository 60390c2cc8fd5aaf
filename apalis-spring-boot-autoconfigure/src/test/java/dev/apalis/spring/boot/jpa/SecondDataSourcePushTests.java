package dev.apalis.spring.boot.jpa;

import java.util.concurrent.atomic.AtomicReference;

import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import dev.apalis.spring.TaskClient;
import dev.apalis.spring.boot.ApalisDataSource;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskOptions;
import dev.apalis.test.TestPostgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * Tasks in their own database ({@code @ApalisDataSource}), the application's JPA transactions on the
 * primary one: a push inside such a transaction is not part of it (no transaction spans two
 * databases) and commits on its own at once, whether the business transaction commits or not.
 */
@SpringBootTest(properties = { "spring.jpa.hibernate.ddl-auto=create", "spring.jpa.open-in-view=false" })
class SecondDataSourcePushTests {

    private static final TestPostgres.Database APPLICATION = TestPostgres.createDatabase("SecondDataSourceApp");

    private static final TestPostgres.Database TASKS = TestPostgres.createDatabase("SecondDataSourceTasks");

    private static final HikariDataSource OBSERVER_SOURCE = TASKS.newDataSource(2);

    private static final JdbcTemplate TASKS_OBSERVER = new JdbcTemplate(OBSERVER_SOURCE);

    @AfterAll
    static void closeObserver() {
        OBSERVER_SOURCE.close();
    }

    @Autowired
    private TaskClient client;

    @Autowired
    private InvoiceRepository invoices;

    @Autowired
    private PlatformTransactionManager transactionManager;

    @Test
    void aPushInsideATransactionOfTheOtherDataSourceCommitsOnItsOwnAtOnce() {
        TransactionTemplate jpa = new TransactionTemplate(this.transactionManager);
        AtomicReference<TaskId> keyed = new AtomicReference<>();
        AtomicReference<TaskId> plain = new AtomicReference<>();
        IllegalStateException failure = new IllegalStateException("the business transaction fails");
        assertThatIllegalStateException().isThrownBy(() -> jpa.executeWithoutResult((status) -> {
            this.invoices.saveAndFlush(new Invoice("inv-elsewhere"));
            keyed.set(this.client.push("invoices", "inv-elsewhere", TaskOptions.defaults().uniqueKey("elsewhere")));
            plain.set(this.client.push("invoices", "inv-elsewhere", TaskOptions.defaults()));
            assertThat(committedTask(keyed.get())).as("committed at the push").isTrue();
            assertThat(committedTask(plain.get())).as("committed at the push").isTrue();
            throw failure;
        })).isSameAs(failure);
        assertThat(this.invoices.existsById("inv-elsewhere")).isFalse();
        assertThat(committedTask(keyed.get())).isTrue();
        assertThat(committedTask(plain.get())).isTrue();
    }

    @Test
    void aReadOnlyTransactionOfTheOtherDataSourceDoesNotStopAPush() {
        TransactionTemplate readOnly = new TransactionTemplate(this.transactionManager);
        readOnly.setReadOnly(true);
        TaskId id = readOnly.execute((status) -> {
            this.invoices.count();
            return this.client.push("invoices", "read-only elsewhere", TaskOptions.defaults().uniqueKey("ro"));
        });
        assertThat(committedTask(id)).isTrue();
    }

    private static boolean committedTask(TaskId id) {
        return TASKS_OBSERVER.queryForObject("select count(*) from apalis.tasks where id = ?", Long.class,
                id.value()) > 0;
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class Application {

        @Bean
        @Primary
        HikariDataSource applicationDataSource() {
            return APPLICATION.newDataSource(4);
        }

        @Bean
        @ApalisDataSource
        HikariDataSource tasksDataSource() {
            return TASKS.newDataSource(4);
        }
    }
}
