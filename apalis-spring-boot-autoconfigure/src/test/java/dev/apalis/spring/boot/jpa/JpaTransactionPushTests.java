package dev.apalis.spring.boot.jpa;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.orm.jpa.JpaTransactionManager;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

import dev.apalis.backend.Backend;
import dev.apalis.spring.TaskClient;
import dev.apalis.task.NewTask;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskOptions;
import dev.apalis.test.TestPostgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.awaitility.Awaitility.await;

/**
 * Pushes join the application's transaction whatever transaction manager began it: Hibernate's
 * {@code JpaTransactionManager} (the one Spring Boot configures with {@code spring-boot-starter-data-jpa}),
 * a {@code DataSourceTransactionManager} around {@code JdbcClient} code, {@code REQUIRES_NEW} inside an
 * outer transaction. An observer on its own connections checks that nothing is committed before the
 * caller commits. No queue here has a handler, so pushed tasks stay where they are.
 */
@SpringBootTest(properties = { "spring.jpa.hibernate.ddl-auto=create", "spring.jpa.open-in-view=false" })
class JpaTransactionPushTests {

    private static final TestPostgres.Database DATABASE = TestPostgres.createDatabase("JpaTransactionPushTests");

    private static final HikariDataSource OBSERVER_SOURCE = DATABASE.newDataSource(2);

    /** Reads committed rows only: its connections never take part in a test's transaction. */
    private static final JdbcTemplate OBSERVER = new JdbcTemplate(OBSERVER_SOURCE);

    private static final TaskOptions NO_KEY = TaskOptions.defaults();

    @DynamicPropertySource
    static void dataSource(DynamicPropertyRegistry registry) {
        DATABASE.register(registry);
    }

    @AfterAll
    static void closeObserver() {
        OBSERVER_SOURCE.close();
    }

    @Autowired
    private TaskClient client;

    @Autowired
    private Backend backend;

    @Autowired
    private InvoiceRepository invoices;

    @Autowired
    private PlatformTransactionManager transactionManager;

    @Autowired
    private DataSource dataSource;

    @Test
    void theApplicationRunsHibernateTransactions() {
        assertThat(this.transactionManager).isInstanceOf(JpaTransactionManager.class);
    }

    @Test
    void saveThenPushWithAUniqueKeyThenFailRollsBackBoth() {
        AtomicReference<TaskId> pushed = new AtomicReference<>();
        failing(jpa(), () -> {
            this.invoices.saveAndFlush(new Invoice("inv-save-push"));
            pushed.set(this.client.push("invoices", "inv-save-push", unique("inv-save-push")));
            assertThat(committedTasksWithKey("inv-save-push")).as("committed before the caller did").isZero();
        });
        assertThat(committedInvoice("inv-save-push")).isFalse();
        assertThat(this.client.find(pushed.get())).isEmpty();
        assertThat(committedTasksWithKey("inv-save-push")).isZero();
    }

    @Test
    void pushWithAUniqueKeyThenSaveThenFailRollsBackBoth() {
        AtomicReference<TaskId> pushed = new AtomicReference<>();
        failing(jpa(), () -> {
            pushed.set(this.client.push("invoices", "inv-push-save", unique("inv-push-save")));
            this.invoices.saveAndFlush(new Invoice("inv-push-save"));
            assertThat(committedTasksWithKey("inv-push-save")).as("committed before the caller did").isZero();
        });
        assertThat(committedInvoice("inv-push-save")).isFalse();
        assertThat(this.client.find(pushed.get())).isEmpty();
    }

    @Test
    void pushWithoutAUniqueKeyRollsBackWithTheEntity() {
        AtomicReference<TaskId> pushed = new AtomicReference<>();
        failing(jpa(), () -> {
            this.invoices.saveAndFlush(new Invoice("inv-no-key"));
            pushed.set(this.client.push("invoices", "inv-no-key", NO_KEY));
            assertThat(committedTask(pushed.get())).as("committed before the caller did").isFalse();
        });
        assertThat(committedInvoice("inv-no-key")).isFalse();
        assertThat(this.client.find(pushed.get())).isEmpty();
    }

    @Test
    void pushAllWithMixedUniqueKeysRollsBackAsAWhole() {
        TaskId held = this.client.push("invoices", "held", unique("mixed-held"));
        AtomicReference<List<TaskId>> pushed = new AtomicReference<>();
        failing(jpa(), () -> {
            this.invoices.saveAndFlush(new Invoice("inv-mixed-rolled-back"));
            pushed.set(this.backend.pushAll(mixed("mixed-held", "mixed-rolled-back")));
        });
        List<TaskId> ids = pushed.get();
        assertThat(ids.get(0)).as("the key held by a committed task").isEqualTo(held);
        assertThat(this.client.find(ids.get(1))).isEmpty();
        assertThat(this.client.find(ids.get(2))).isEmpty();
        assertThat(committedTasksWithKey("mixed-rolled-back")).isZero();
        assertThat(committedInvoice("inv-mixed-rolled-back")).isFalse();
        assertThat(this.client.find(held)).isPresent();
    }

    @Test
    void pushAllWithMixedUniqueKeysCommitsWithTheEntity() {
        TaskId held = this.client.push("invoices", "held", unique("mixed-held-2"));
        List<TaskId> ids = jpa().execute((status) -> {
            this.invoices.saveAndFlush(new Invoice("inv-mixed-committed"));
            List<TaskId> pushed = this.backend.pushAll(mixed("mixed-held-2", "mixed-committed"));
            assertThat(committedTasksWithKey("mixed-committed")).isZero();
            return pushed;
        });
        assertThat(ids.get(0)).isEqualTo(held);
        assertThat(ids.get(2)).as("same new key twice in one push").isEqualTo(ids.get(1)).isNotEqualTo(held);
        assertThat(ids.get(3)).isNotIn(ids.subList(0, 3));
        assertThat(committedTasksWithKey("mixed-committed")).isOne();
        assertThat(committedTask(ids.get(3))).isTrue();
        assertThat(committedInvoice("inv-mixed-committed")).isTrue();
    }

    @Test
    void aCommittedTransactionStoresTheEntityAndTheTasks() {
        TaskId[] ids = jpa().execute((status) -> {
            this.invoices.saveAndFlush(new Invoice("inv-committed"));
            TaskId keyed = this.client.push("invoices", "inv-committed", unique("inv-committed"));
            TaskId plain = this.client.push("invoices", "inv-committed", NO_KEY);
            assertThat(committedTask(keyed)).isFalse();
            return new TaskId[] { keyed, plain };
        });
        assertThat(committedInvoice("inv-committed")).isTrue();
        assertThat(committedTask(ids[0])).isTrue();
        assertThat(committedTask(ids[1])).isTrue();
    }

    @Test
    void requiresNewInsideAnOuterTransactionCommitsAloneAndOutlivesTheOuterRollback() {
        TransactionTemplate inner = jpa();
        inner.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
        AtomicReference<TaskId> innerTask = new AtomicReference<>();
        AtomicReference<TaskId> outerTask = new AtomicReference<>();
        failing(jpa(), () -> {
            this.invoices.saveAndFlush(new Invoice("inv-outer"));
            outerTask.set(this.client.push("invoices", "outer", unique("outer-key")));
            innerTask.set(inner.execute((status) -> {
                this.invoices.saveAndFlush(new Invoice("inv-inner"));
                return this.client.push("invoices", "inner", unique("inner-key"));
            }));
            assertThat(committedTask(innerTask.get())).as("the inner transaction committed").isTrue();
            assertThat(committedInvoice("inv-inner")).isTrue();
            assertThat(committedTask(outerTask.get())).isFalse();
        });
        assertThat(committedTask(innerTask.get())).isTrue();
        assertThat(committedInvoice("inv-inner")).isTrue();
        assertThat(committedTask(outerTask.get())).isFalse();
        assertThat(committedInvoice("inv-outer")).isFalse();
    }

    @Test
    void jdbcClientCodeInADataSourceTransactionManagerTransactionRollsBackWithThePush() {
        TransactionTemplate jdbcTransaction = new TransactionTemplate(new DataSourceTransactionManager(this.dataSource));
        JdbcClient jdbc = JdbcClient.create(this.dataSource);
        AtomicReference<TaskId> pushed = new AtomicReference<>();
        failing(jdbcTransaction, () -> {
            jdbc.sql("insert into invoice (id) values (?)").param("inv-jdbc").update();
            pushed.set(this.client.push("invoices", "inv-jdbc", unique("inv-jdbc")));
            assertThat(committedTask(pushed.get())).isFalse();
        });
        assertThat(committedInvoice("inv-jdbc")).isFalse();
        assertThat(committedTask(pushed.get())).isFalse();

        TaskId committed = jdbcTransaction.execute((status) -> {
            jdbc.sql("insert into invoice (id) values (?)").param("inv-jdbc").update();
            return this.client.push("invoices", "inv-jdbc", unique("inv-jdbc"));
        });
        assertThat(committedInvoice("inv-jdbc")).isTrue();
        assertThat(committedTask(committed)).isTrue();
    }

    @Test
    void aPushInAReadOnlyTransactionIsRefusedWithWhatToDo() {
        TransactionTemplate readOnlyJpa = jpa();
        readOnlyJpa.setReadOnly(true);
        TransactionTemplate readOnlyJdbc = new TransactionTemplate(new DataSourceTransactionManager(this.dataSource));
        readOnlyJdbc.setReadOnly(true);
        for (TransactionTemplate readOnly : List.of(readOnlyJpa, readOnlyJdbc)) {
            for (TaskOptions options : List.of(NO_KEY, unique("read-only"))) {
                assertThatIllegalStateException()
                    .isThrownBy(() -> readOnly.executeWithoutResult(
                            (status) -> this.client.push("read-only", "refused", options)))
                    .withMessageContaining("read-only transaction")
                    .withMessageContaining("outside any transaction");
            }
        }
        assertThat(OBSERVER.queryForObject("select count(*) from apalis.tasks where queue = 'read-only'", Long.class))
            .isZero();
    }

    @Test
    void workersAreWokenAfterAJpaCommitAndNotForARollback() {
        AtomicInteger probe = new AtomicInteger();
        AtomicInteger committed = new AtomicInteger();
        AtomicInteger rolledBack = new AtomicInteger();
        this.backend.subscribe("wake-probe", probe::incrementAndGet);
        this.backend.subscribe("wake-committed", committed::incrementAndGet);
        this.backend.subscribe("wake-rolled-back", rolledBack::incrementAndGet);
        // the listener is live once a push outside a transaction wakes the probe
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            this.client.push("wake-probe", "probe", NO_KEY);
            return probe.get() > 0;
        });
        rolledBack.set(0);

        failing(jpa(), () -> {
            this.invoices.saveAndFlush(new Invoice("inv-wake-rolled-back"));
            this.client.push("wake-rolled-back", "x", unique("wake-rolled-back"));
        });
        jpa().executeWithoutResult((status) -> {
            this.invoices.saveAndFlush(new Invoice("inv-wake-committed"));
            this.client.push("wake-committed", "x", unique("wake-committed"));
        });
        // wake-ups are sent in push order by one thread: had the rolled-back push been announced, its
        // wake-up would have arrived with or before the committed one's
        await().atMost(Duration.ofSeconds(10)).until(() -> committed.get() > 0);
        assertThat(rolledBack.get()).isZero();
    }

    private TransactionTemplate jpa() {
        return new TransactionTemplate(this.transactionManager);
    }

    private static TaskOptions unique(String key) {
        return TaskOptions.defaults().uniqueKey(key);
    }

    private static List<NewTask> mixed(String heldKey, String newKey) {
        return List.of(new NewTask("invoices", "\"a\"", unique(heldKey)), new NewTask("invoices", "\"b\"", unique(newKey)),
                new NewTask("invoices", "\"c\"", unique(newKey)), new NewTask("invoices", "\"d\"", NO_KEY));
    }

    /** Runs the work in a transaction, then throws, and checks that the throw came out. */
    private static void failing(TransactionTemplate transaction, Runnable work) {
        IllegalStateException failure = new IllegalStateException("the business transaction fails");
        assertThatIllegalStateException().isThrownBy(() -> transaction.executeWithoutResult((status) -> {
            work.run();
            throw failure;
        })).isSameAs(failure);
    }

    private static long committedTasksWithKey(String key) {
        return OBSERVER.queryForObject("select count(*) from apalis.tasks where unique_key = ?", Long.class, key);
    }

    private static boolean committedTask(TaskId id) {
        return OBSERVER.queryForObject("select count(*) from apalis.tasks where id = ?", Long.class, id.value()) > 0;
    }

    private static boolean committedInvoice(String id) {
        return OBSERVER.queryForObject("select count(*) from invoice where id = ?", Long.class, id) > 0;
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class Application {

    }
}
