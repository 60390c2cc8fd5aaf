package dev.apalis.reliability;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import dev.apalis.backend.postgres.PostgresStorage;
import dev.apalis.task.JsonPayloadCodec;
import dev.apalis.task.NewTask;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskOptions;
import dev.apalis.task.TaskStatus;
import dev.apalis.test.PostgresDatabase;
import dev.apalis.worker.RetryPolicy;
import dev.apalis.worker.WorkerBuilder;
import dev.apalis.worker.WorkerContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The idempotent handler of {@code docs/reliability.md}, run: its first attempt commits the charge
 * and then fails (as if the process died before the outcome was written), the second attempt finds
 * the charge already made. One payment, however often the task runs.
 */
@PostgresDatabase
class IdempotentHandlerExamplesTest {

    record Charge(String invoiceId, long cents) {
    }

    @Test
    void aHandlerKeyedByItsTaskIdHasItsEffectOnceHoweverOftenItRuns(DataSource dataSource) throws Exception {
        JdbcTemplate jdbc = new JdbcTemplate(dataSource);
        jdbc.execute("CREATE TABLE payments (idempotency_key uuid PRIMARY KEY, invoice_id text NOT NULL, "
                + "cents bigint NOT NULL)");
        TransactionTemplate transaction = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
        JsonPayloadCodec codec = JsonPayloadCodec.withDefaults();
        AtomicBoolean dieAfterTheCommit = new AtomicBoolean(true);
        List<String> log = new CopyOnWriteArrayList<>();
        try (PostgresStorage storage = PostgresStorage.builder(dataSource).schema("idempotent").build()) {
            String invoiceId = "INV-2026-0042";
            TaskOptions options = TaskOptions.defaults().uniqueKey("charge:" + invoiceId);
            TaskId id = storage.push(new NewTask("charges", codec.encode(new Charge(invoiceId, 4200)), options));
            assertThat(storage.push(new NewTask("charges", codec.encode(new Charge(invoiceId, 4200)), options)))
                .as("pushed twice while the first is unfinished: one task").isEqualTo(id);

            WorkerContext worker = WorkerBuilder.named("charges").backend(storage)
                .retry(RetryPolicy.exponential(Duration.ofMillis(100), 1.0, Duration.ofMillis(100), 0))
                .build(Charge.class, (charge, ctx) -> {
                    transaction.executeWithoutResult(status -> {
                        int charged = jdbc.update("""
                                INSERT INTO payments (idempotency_key, invoice_id, cents) VALUES (?, ?, ?)
                                ON CONFLICT (idempotency_key) DO NOTHING""",
                                ctx.taskId().value(), charge.invoiceId(), charge.cents());
                        if (charged == 0) {
                            log.add("attempt " + ctx.attempt() + ": " + charge.invoiceId() + " was charged before");
                        }
                    });
                    if (dieAfterTheCommit.getAndSet(false)) {
                        throw new IllegalStateException("the charge committed, but its outcome was never recorded");
                    }
                })
                .start();
            try {
                await().atMost(Duration.ofSeconds(30))
                    .until(() -> storage.find(id).orElseThrow().status() == TaskStatus.DONE);
            }
            finally {
                worker.stop();
                assertThat(worker.awaitTermination(Duration.ofSeconds(30))).isTrue();
            }
            assertThat(storage.find(id).orElseThrow().attempts()).isEqualTo(2);
            assertThat(jdbc.queryForObject("SELECT count(*) FROM payments", Long.class)).isEqualTo(1);
            assertThat(log).containsExactly("attempt 2: INV-2026-0042 was charged before");
        }
    }
}
