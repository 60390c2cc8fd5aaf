package dev.apalis.spring.boot;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Import;
import org.springframework.context.event.EventListener;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionSynchronizationManager;

import dev.apalis.backend.Backend;
import dev.apalis.backend.postgres.PostgresStorage;
import dev.apalis.spring.TaskClient;
import dev.apalis.spring.TaskHandler;
import dev.apalis.spring.Workers;
import dev.apalis.task.Task;
import dev.apalis.task.TaskContext;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskStatus;
import dev.apalis.test.TestPostgres;
import dev.apalis.worker.WorkerContext;
import dev.apalis.worker.WorkerEvent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.awaitility.Awaitility.await;

/**
 * The starter in a whole Spring Boot application on a real PostgreSQL: handlers run, retry and are
 * killed; pushes join Spring transactions; workers pause and resume; events reach listeners; a
 * handler on a transactional proxy runs in a transaction. One context for all tests: each test uses
 * its own worker or its own payloads. Needs {@link PostgresStorage}.
 */
@SpringBootTest(properties = { "apalis.defaults.backoff.initial=20ms", "apalis.defaults.backoff.jitter=0",
        "apalis.defaults.poll-interval=200ms", "apalis.workers.doomed.max-attempts=2" })
class PostgresIntegrationTests {

    private static final Duration WAIT = Duration.ofSeconds(15);

    private static final TestPostgres.Database DATABASE = TestPostgres.createDatabase("PostgresIntegrationTests");

    @DynamicPropertySource
    static void dataSource(DynamicPropertyRegistry registry) {
        DATABASE.register(registry);
    }

    @Autowired
    private TaskClient client;

    @Autowired
    private Workers workers;

    @Autowired
    private Backend backend;

    @Autowired
    private Handlers handlers;

    @Autowired
    private OrderService orders;

    @Autowired
    private TransactionalHandler transactionalHandler;

    @Autowired
    private JdbcClient jdbc;

    @BeforeAll
    static void createBusinessTable() {
        try (var dataSource = DATABASE.newDataSource(1)) {
            JdbcClient.create(dataSource)
                .sql("create table if not exists orders (id text primary key, handled boolean not null default false)")
                .update();
        }
    }

    @Test
    void storesTasksInPostgres() {
        assertThat(this.backend).isInstanceOf(PostgresStorage.class);
        assertThat(((PostgresStorage) this.backend).schema()).isEqualTo("apalis");
    }

    @Test
    void handlerRunsWithThePayload() {
        TaskId id = this.client.push("email", new Email("ada@example.com", "Hello"));
        Task task = awaitStatus(id, TaskStatus.DONE);
        assertThat(task.attempts()).isEqualTo(1);
        assertThat(this.handlers.emails).contains(new Email("ada@example.com", "Hello"));
    }

    @Test
    void pushAllStoresEveryTaskAndEachRuns() {
        List<TaskId> ids = this.client.pushAll("email", List.of(new Email("a@x", "1"), new Email("b@x", "2")));
        assertThat(ids).hasSize(2).doesNotHaveDuplicates();
        ids.forEach((id) -> awaitStatus(id, TaskStatus.DONE));
    }

    @Test
    void failedAttemptsAreRetriedUntilOneSucceeds() {
        TaskId id = this.client.push("flaky", "fail-twice");
        Task task = awaitStatus(id, TaskStatus.DONE);
        assertThat(task.attempts()).isEqualTo(3);
        assertThat(this.handlers.attempts.get("fail-twice")).hasValue(3);
    }

    @Test
    void taskIsKilledAfterMaxAttempts() {
        TaskId id = this.client.push("doomed", "always fails");
        Task task = awaitStatus(id, TaskStatus.KILLED);
        assertThat(task.attempts()).isEqualTo(2);
        assertThat(task.lastError()).contains("failed on purpose");
        await().atMost(WAIT).until(() -> this.handlers.killed.contains(id));
    }

    @Test
    void pushInARolledBackTransactionNeverRuns() {
        AtomicReference<TaskId> pushed = new AtomicReference<>();
        assertThatIllegalStateException().isThrownBy(() -> this.orders.placeThenFail("order-rolled-back", pushed));
        assertThat(pushed.get()).isNotNull();
        assertThat(this.client.find(pushed.get())).isEmpty();
        assertThat(orderExists("order-rolled-back")).isFalse();
        // Tasks of one queue run in push order: once a later task ran, the rolled-back one would have too.
        TaskId marker = this.orders.place("order-after-rollback");
        awaitStatus(marker, TaskStatus.DONE);
        assertThat(this.handlers.orders).contains("order-after-rollback").doesNotContain("order-rolled-back");
        assertThat(this.client.find(pushed.get())).isEmpty();
    }

    @Test
    void pushInACommittedTransactionRunsWithTheBusinessData() {
        TaskId id = this.orders.place("order-committed");
        awaitStatus(id, TaskStatus.DONE);
        assertThat(orderExists("order-committed")).isTrue();
        assertThat(this.handlers.orders).contains("order-committed");
    }

    @Test
    void workerPausesAndResumesThroughItsContext() {
        WorkerContext worker = this.workers.get("pausable");
        worker.pause();
        try {
            assertThat(worker.isPaused()).isTrue();
            TaskId id = this.client.push("pausable", "while paused");
            await().during(Duration.ofMillis(700)).atMost(Duration.ofSeconds(3))
                .until(() -> this.client.status(id).orElseThrow() == TaskStatus.PENDING);
            worker.resume();
            assertThat(worker.isPaused()).isFalse();
            awaitStatus(id, TaskStatus.DONE);
        }
        finally {
            worker.resume();
        }
    }

    @Test
    void eventsReachEventListeners() {
        TaskId id = this.client.push("email", new Email("events@x", "events"));
        awaitStatus(id, TaskStatus.DONE);
        await().atMost(WAIT).until(() -> this.handlers.succeeded.contains(id));
        assertThat(this.handlers.started).contains(id);
    }

    @Test
    void handlerOnATransactionalProxyRunsInATransaction() {
        assertThat(AopUtils.isAopProxy(this.transactionalHandler)).isTrue();
        this.jdbc.sql("insert into orders (id) values ('order-tx-handler')").update();
        TaskId id = this.client.push("mark-handled", "order-tx-handler");
        awaitStatus(id, TaskStatus.DONE);
        // read through the proxy: the proxy's own fields are not the bean's
        assertThat(this.transactionalHandler.transactionActive()).containsExactly(true);
        assertThat(this.jdbc.sql("select handled from orders where id = 'order-tx-handler'").query(Boolean.class)
            .single()).isTrue();
    }

    @Test
    void statusOfAnUnknownTaskIsEmpty() {
        assertThat(this.client.status(TaskId.next())).isEmpty();
    }

    private boolean orderExists(String orderId) {
        return this.jdbc.sql("select count(*) from orders where id = ?").param(orderId).query(Long.class).single() > 0;
    }

    private Task awaitStatus(TaskId id, TaskStatus status) {
        return await().atMost(WAIT).until(() -> this.client.find(id).orElseThrow(), (task) -> task.status() == status);
    }

    record Email(String to, String subject) {
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    @Import({ Handlers.class, OrderService.class, TransactionalHandler.class })
    static class Application {

    }

    static class Handlers {

        final Queue<Email> emails = new ConcurrentLinkedQueue<>();

        final Queue<String> orders = new ConcurrentLinkedQueue<>();

        final Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();

        final Queue<TaskId> started = new ConcurrentLinkedQueue<>();

        final Queue<TaskId> succeeded = new ConcurrentLinkedQueue<>();

        final Queue<TaskId> killed = new ConcurrentLinkedQueue<>();

        @TaskHandler("email")
        void email(Email email, TaskContext context) {
            this.emails.add(email);
        }

        @TaskHandler(value = "orders", concurrency = "1")
        void order(String orderId) {
            this.orders.add(orderId);
        }

        @TaskHandler(value = "flaky", maxAttempts = "5")
        void flaky(String key) {
            if (this.attempts.computeIfAbsent(key, (k) -> new AtomicInteger()).incrementAndGet() <= 2) {
                throw new IllegalStateException("failed on purpose");
            }
        }

        @TaskHandler("doomed")
        void doomed(String payload) {
            throw new IllegalStateException("failed on purpose");
        }

        @TaskHandler("pausable")
        void pausable(String payload) {
        }

        @EventListener
        void on(WorkerEvent.TaskStarted event) {
            this.started.add(event.taskId());
        }

        @EventListener
        void on(WorkerEvent.TaskSucceeded event) {
            this.succeeded.add(event.taskId());
        }

        @EventListener
        void on(WorkerEvent.TaskKilled event) {
            this.killed.add(event.taskId());
        }
    }

    static class OrderService {

        private final JdbcClient jdbc;

        private final TaskClient tasks;

        OrderService(JdbcClient jdbc, TaskClient tasks) {
            this.jdbc = jdbc;
            this.tasks = tasks;
        }

        @Transactional
        public TaskId place(String orderId) {
            this.jdbc.sql("insert into orders (id) values (?)").param(orderId).update();
            return this.tasks.push("orders", orderId);
        }

        @Transactional
        public void placeThenFail(String orderId, AtomicReference<TaskId> pushed) {
            pushed.set(place(orderId));
            throw new IllegalStateException("the business transaction fails after the push");
        }
    }

    static class TransactionalHandler {

        private final Queue<Boolean> transactionActive = new ConcurrentLinkedQueue<>();

        private final JdbcClient jdbc;

        TransactionalHandler(JdbcClient jdbc) {
            this.jdbc = jdbc;
        }

        public Queue<Boolean> transactionActive() {
            return this.transactionActive;
        }

        @Transactional
        @TaskHandler("mark-handled")
        public void markHandled(String orderId) {
            this.transactionActive.add(TransactionSynchronizationManager.isActualTransactionActive());
            this.jdbc.sql("update orders set handled = true where id = ?").param(orderId).update();
        }
    }
}
