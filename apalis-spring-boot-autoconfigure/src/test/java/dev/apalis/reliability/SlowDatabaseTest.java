package dev.apalis.reliability;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.Test;

import org.springframework.jdbc.core.JdbcTemplate;

import dev.apalis.backend.postgres.PostgresStorage;
import dev.apalis.test.PostgresDatabase;
import dev.apalis.test.TestPostgres;
import dev.apalis.worker.WorkerBuilder;
import dev.apalis.worker.WorkerContext;
import dev.apalis.worker.WorkerEvent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The database answers slowly or not at all: a pool with no free connection, a tasks table locked by
 * another transaction, the same with a statement timeout. Workers report errors and back off (or
 * simply wait on the lock), use almost no CPU meanwhile, stop within a bound when asked, and carry on
 * when the database answers again. Every task is accounted for at the end.
 */
@PostgresDatabase
class SlowDatabaseTest {

    record Job(int n, int millis) {
    }

    /** How long each scenario keeps the database from answering. */
    static final Duration HOLD = Duration.ofSeconds(4);

    /**
     * The most a worker may take to stop while the database does not answer: its 2 s shutdown timeout,
     * 5 s more for outcomes it cannot write, the rest for connection timeouts and a loaded machine.
     */
    static final Duration STOP_BOUND = Duration.ofSeconds(15);

    private final Map<Integer, AtomicInteger> runs = new ConcurrentHashMap<>();

    private final List<Throwable> errors = new CopyOnWriteArrayList<>();

    @Test
    void aPoolWithNoFreeConnectionMeansErrorsAndBackoffNotAHangOrABusyLoop(TestPostgres.Database database,
            DataSource dataSource) throws Exception {
        Db db = new Db(dataSource, "pool");
        try (HikariDataSource pool = Pools.create(database, 1, 500);
                PostgresStorage storage = PostgresStorage.builder(pool).schema("pool").notifications(false)
                    .orphanThreshold(Duration.ofSeconds(2)).build();
                PostgresStorage pusher = PostgresStorage.builder(dataSource).schema("pool").maintenance(false).build()) {
            WorkerContext worker = startWorker("pool", storage);
            pusher.pushAll(Tasks.numbered("pool", 0, 100));
            await().atMost(Duration.ofSeconds(30)).until(() -> db.countStatus("DONE") == 100);

            // the test takes the pool's only connection; tasks pushed meanwhile wait
            Connection held = await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(pool::getConnection,
                    connection -> connection != null);
            errors.clear();
            pusher.pushAll(Tasks.numbered("pool", 100, 200));
            CpuMeter cpu = CpuMeter.start("apalis-pool-", "apalis-maintenance-pool");
            CpuMeter.Usage usage;
            try {
                await().during(HOLD).atMost(HOLD.plusSeconds(5)).until(worker::isRunning);
                usage = cpu.stop();
            }
            finally {
                held.close();
            }
            int errorEvents = errors.size();
            assertThat(errors).as("Error events while the pool was exhausted").isNotEmpty();
            assertThat(errors.get(0)).hasStackTraceContaining("Connection is not available");
            assertThat(errorEvents).as("errors in %s (backoff, no busy loop)", HOLD).isLessThan(60);
            assertThat(usage.threadsShare()).as("worker threads' CPU: " + usage.describe()).isLessThan(0.05);
            assertThat(usage.processShare()).as("JVM CPU: " + usage.describe()).isLessThan(0.20);
            Instant released = Instant.now();
            await().atMost(Duration.ofSeconds(30)).until(() -> db.countStatus("DONE") == 200);
            Duration caughtUp = Duration.between(released, Instant.now());

            // exhausted again: a stop does not hang on it
            held = await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(pool::getConnection,
                    connection -> connection != null);
            Duration stoppedIn;
            try {
                pusher.pushAll(Tasks.numbered("pool", 200, 210));
                long stopAsked = System.nanoTime();
                worker.stop();
                assertThat(worker.awaitTermination(STOP_BOUND)).as("stopped within %s", STOP_BOUND).isTrue();
                stoppedIn = Duration.ofNanos(System.nanoTime() - stopAsked);
            }
            finally {
                held.close();
            }
            WorkerContext after = startWorker("pool", storage);
            try {
                await().atMost(Duration.ofSeconds(30)).until(() -> db.countStatus("DONE") == 210);
            }
            finally {
                after.stop();
                assertThat(after.awaitTermination(Duration.ofSeconds(30))).isTrue();
            }
            assertThat(db.countByStatus()).containsExactlyEntriesOf(Map.of("DONE", 210L));
            assertThat(runs).hasSize(210).allSatisfy((n, count) -> assertThat(count.get()).isEqualTo(1));

            Figures.of("pool-exhausted")
                .put("held", HOLD)
                .put("errorEvents", errorEvents)
                .put("workerThreadsCpu", String.format("%.1f%%", usage.threadsShare() * 100))
                .put("jvmCpu", String.format("%.1f%%", usage.processShare() * 100))
                .put("caughtUpAfterRelease", caughtUp)
                .put("stopWhileExhausted", stoppedIn)
                .put("lost", 210 - runs.size())
                .print();
        }
    }

    @Test
    void aLockedTasksTableStallsClaimsWithoutCpuAndTheyResumeWhenItIsReleased(TestPostgres.Database database,
            DataSource dataSource) throws Exception {
        Db db = new Db(dataSource, "locked");
        try (HikariDataSource pool = Pools.create(database, 8, 5000);
                PostgresStorage storage = PostgresStorage.builder(pool).schema("locked").build()) {
            WorkerContext worker = startWorker("locked", storage);
            storage.pushAll(Tasks.numbered("locked", 0, 100));
            await().atMost(Duration.ofSeconds(30)).until(() -> db.countStatus("DONE") == 100);

            // a long transaction holds an exclusive lock on the tasks table: claims wait for it
            worker.pause();
            storage.pushAll(Tasks.numbered("locked", 100, 200));
            CpuMeter.Usage usage;
            try (Connection lock = dataSource.getConnection()) {
                lock.setAutoCommit(false);
                try (Statement statement = lock.createStatement()) {
                    statement.execute("LOCK TABLE locked.tasks IN ACCESS EXCLUSIVE MODE");
                }
                worker.resume();
                CpuMeter cpu = CpuMeter.start("apalis-locked-", "apalis-maintenance-locked", "apalis-listener-locked");
                // (the test reads nothing from the locked table meanwhile: it would wait too)
                await().during(HOLD).atMost(HOLD.plusSeconds(5)).until(() -> worker.isRunning() && runs.size() == 100);
                usage = cpu.stop();
                lock.commit();
            }
            Instant released = Instant.now();
            await().atMost(Duration.ofSeconds(30)).until(() -> db.countStatus("DONE") == 200);
            Duration caughtUp = Duration.between(released, Instant.now());
            assertThat(usage.threadsShare()).as("worker threads' CPU: " + usage.describe()).isLessThan(0.05);
            assertThat(usage.processShare()).as("JVM CPU: " + usage.describe()).isLessThan(0.20);

            // locked again and asked to stop: the claim in flight waits for the lock, then the stop completes
            // and what that claim returned is released
            worker.pause();
            storage.pushAll(Tasks.numbered("locked", 200, 220));
            Duration stoppedAfterUnlock;
            try (Connection lock = dataSource.getConnection()) {
                lock.setAutoCommit(false);
                try (Statement statement = lock.createStatement()) {
                    statement.execute("LOCK TABLE locked.tasks IN ACCESS EXCLUSIVE MODE");
                }
                worker.resume();
                await().atMost(Duration.ofSeconds(10)).until(() -> claimsWaitingOnLock(dataSource) > 0);
                worker.stop();
                assertThat(worker.awaitTermination(Duration.ofSeconds(1))).as("stopped while its claim waits").isFalse();
                lock.commit();
                long unlocked = System.nanoTime();
                assertThat(worker.awaitTermination(STOP_BOUND)).as("stopped within %s of the unlock", STOP_BOUND).isTrue();
                stoppedAfterUnlock = Duration.ofNanos(System.nanoTime() - unlocked);
            }
            assertThat(db.countStatus("RUNNING")).as("claims released by the stop").isZero();
            assertThat(db.countStatus("PENDING")).isEqualTo(20);
            assertThat(db.jdbc().queryForObject("SELECT max(attempts) FROM locked.tasks WHERE status = 'PENDING'",
                    Integer.class)).as("released claims are not charged an attempt").isZero();
            WorkerContext after = startWorker("locked", storage);
            try {
                await().atMost(Duration.ofSeconds(30)).until(() -> db.countStatus("DONE") == 220);
            }
            finally {
                after.stop();
                assertThat(after.awaitTermination(Duration.ofSeconds(30))).isTrue();
            }
            assertThat(runs).hasSize(220).allSatisfy((n, count) -> assertThat(count.get()).isEqualTo(1));

            Figures.of("table-locked")
                .put("held", HOLD)
                .put("errorEvents", errors.size())
                .put("workerThreadsCpu", String.format("%.1f%%", usage.threadsShare() * 100))
                .put("jvmCpu", String.format("%.1f%%", usage.processShare() * 100))
                .put("caughtUpAfterUnlock", caughtUp)
                .put("stopCompletedAfterUnlock", stoppedAfterUnlock)
                .print();
        }
    }

    @Test
    void withAStatementTimeoutALockedTableMeansErrorsAndBackoffAndAStopThatDoesNotWait(
            TestPostgres.Database database, DataSource dataSource) throws Exception {
        Db db = new Db(dataSource, "timeout");
        try (HikariDataSource pool = Pools.create(database, 8, 5000,
                config -> config.setConnectionInitSql("SET statement_timeout = '1s'"));
                PostgresStorage storage = PostgresStorage.builder(pool).schema("timeout").build()) {
            WorkerContext worker = startWorker("timeout", storage);
            worker.pause();
            storage.pushAll(Tasks.numbered("timeout", 0, 50));
            CpuMeter.Usage usage;
            Duration stoppedIn;
            int errorEvents;
            try (Connection lock = dataSource.getConnection()) {
                lock.setAutoCommit(false);
                try (Statement statement = lock.createStatement()) {
                    statement.execute("LOCK TABLE timeout.tasks IN ACCESS EXCLUSIVE MODE");
                }
                worker.resume();
                CpuMeter cpu = CpuMeter.start("apalis-timeout-", "apalis-maintenance-timeout", "apalis-listener-timeout");
                await().during(HOLD).atMost(HOLD.plusSeconds(5)).until(worker::isRunning);
                usage = cpu.stop();
                errorEvents = errors.size();
                assertThat(errors).as("Error events while the table was locked").isNotEmpty();
                assertThat(errors.get(0)).hasStackTraceContaining("statement timeout");
                long stopAsked = System.nanoTime();
                worker.stop();
                assertThat(worker.awaitTermination(STOP_BOUND)).as("stopped within %s, table still locked", STOP_BOUND)
                    .isTrue();
                stoppedIn = Duration.ofNanos(System.nanoTime() - stopAsked);
                lock.commit();
            }
            assertThat(errorEvents).as("errors in %s (backoff, no busy loop)", HOLD).isLessThan(30);
            assertThat(usage.threadsShare()).as("worker threads' CPU: " + usage.describe()).isLessThan(0.05);
            assertThat(usage.processShare()).as("JVM CPU: " + usage.describe()).isLessThan(0.20);
            WorkerContext after = startWorker("timeout", storage);
            try {
                await().atMost(Duration.ofSeconds(30)).until(() -> db.countStatus("DONE") == 50);
            }
            finally {
                after.stop();
                assertThat(after.awaitTermination(Duration.ofSeconds(30))).isTrue();
            }
            assertThat(runs).hasSize(50).allSatisfy((n, count) -> assertThat(count.get()).isEqualTo(1));

            Figures.of("table-locked-statement-timeout")
                .put("held", HOLD)
                .put("statementTimeout", Duration.ofSeconds(1))
                .put("errorEvents", errorEvents)
                .put("workerThreadsCpu", String.format("%.1f%%", usage.threadsShare() * 100))
                .put("jvmCpu", String.format("%.1f%%", usage.processShare() * 100))
                .put("stopWhileLocked", stoppedIn)
                .print();
        }
    }

    private WorkerContext startWorker(String name, PostgresStorage storage) {
        return WorkerBuilder.named(name).backend(storage)
            .concurrency(4)
            .pollInterval(Duration.ofMillis(200))
            .heartbeatInterval(Duration.ofMillis(500))
            .shutdownTimeout(Duration.ofSeconds(2))
            .onEvent((ctx, event) -> {
                if (event instanceof WorkerEvent.Error error) {
                    errors.add(error.error());
                }
            })
            .build(Job.class, (job, ctx) -> runs.computeIfAbsent(job.n(), n -> new AtomicInteger()).incrementAndGet())
            .start();
    }

    private static long claimsWaitingOnLock(DataSource dataSource) {
        Long count = new JdbcTemplate(dataSource).queryForObject("""
                SELECT count(*) FROM pg_stat_activity
                WHERE wait_event_type = 'Lock' AND datname = current_database() AND query LIKE '%SKIP LOCKED%'""",
                Long.class);
        return (count != null) ? count : 0;
    }
}
