package dev.apalis.backend.postgres;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import dev.apalis.task.NewTask;
import dev.apalis.task.PayloadException;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskOptions;
import dev.apalis.test.PostgresDatabase;

import static dev.apalis.backend.postgres.TestTasks.numbered;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The group insert of single pushes made outside a transaction, from several real threads against a
 * real PostgreSQL: every caller gets its own id (or its own error), unique keys stay exact (and are not
 * grouped), nothing is lost when the storage closes, and pushes inside a transaction are never grouped. Rows stored by one
 * transaction share their {@code xmin}, which tells how pushes were grouped.
 */
@PostgresDatabase
class PostgresGroupInsertTest {

    private static final int THREADS = 8;

    private static DataSource dataSource;

    private static PostgresStorage storage;

    private static JdbcTemplate jdbc;

    private String queue;

    @BeforeAll
    static void createStorage(DataSource source) {
        dataSource = source;
        storage = PostgresStorage.builder(source).maintenance(false).build();
        jdbc = new JdbcTemplate(source);
    }

    @AfterAll
    static void closeStorage() {
        storage.close();
    }

    @BeforeEach
    void queuePerTest(TestInfo info) {
        queue = info.getTestMethod().orElseThrow().getName();
    }

    @Test
    void eightThreadsPushingOneTaskPerCallStoreEveryTaskUnderItsOwnId() throws Exception {
        int perThread = 250;
        List<Map<Integer, TaskId>> returned = onThreads((thread) -> {
            Map<Integer, TaskId> ids = new HashMap<>();
            for (int i = 0; i < perThread; i++) {
                int n = thread * perThread + i;
                ids.put(n, storage.push(numbered(queue, n)));
            }
            return ids;
        });

        Map<UUID, Integer> stored = new HashMap<>();
        jdbc.query("SELECT id, (payload->>'n')::int FROM apalis.tasks WHERE queue = ?",
                (rs) -> { stored.put(rs.getObject(1, UUID.class), rs.getInt(2)); }, queue);
        assertThat(stored).hasSize(THREADS * perThread);
        for (Map<Integer, TaskId> ids : returned) {
            ids.forEach((n, id) -> assertThat(stored.get(id.value())).as("the row of the id returned for task " + n)
                .isEqualTo(n));
        }
        // one batch is stored at a time and everyone who arrives meanwhile goes into the next one: 8 threads
        // made batches of 7.6 to 8.0 on average in the benchmark's diagnosis, at load averages of 7 to 17
        assertThat(transactions(queue)).as("transactions that stored the tasks: pushes were grouped")
            .isLessThan(THREADS * perThread / 4);
    }

    @Test
    void uniqueKeysPushedConcurrentlyGiveEveryCallerTheIdOfTheOneTaskHoldingTheKey() throws Exception {
        int keys = 40;
        List<List<TaskId>> returned = onThreads((thread) -> {
            List<TaskId> ids = new ArrayList<>();
            for (int k = 0; k < keys; k++) {
                // each thread walks the keys from another starting point
                int key = (k + thread * 5) % keys;
                ids.add(storage.push(numbered(queue, thread, TaskOptions.defaults().uniqueKey("key-" + key))));
            }
            return ids;
        });

        Map<String, UUID> holders = new HashMap<>();
        jdbc.query("SELECT unique_key, id FROM apalis.tasks WHERE queue = ?",
                (rs) -> { holders.put(rs.getString(1), rs.getObject(2, UUID.class)); }, queue);
        assertThat(holders).hasSize(keys);
        for (int thread = 0; thread < THREADS; thread++) {
            for (int k = 0; k < keys; k++) {
                int key = (k + thread * 5) % keys;
                assertThat(returned.get(thread).get(k).value()).as("thread " + thread + ", key-" + key)
                    .isEqualTo(holders.get("key-" + key));
            }
        }
    }

    @Test
    void singlePushesWithAUniqueKeyAreEachStoredByTheirOwnTransaction() throws Exception {
        onThreads((thread) -> {
            for (int i = 0; i < 20; i++) {
                storage.push(numbered(queue, thread * 20 + i, TaskOptions.defaults().uniqueKey("k" + thread + "-" + i)));
            }
            return null;
        });

        assertThat(rows(queue)).isEqualTo(THREADS * 20);
        assertThat(transactions(queue)).isEqualTo(THREADS * 20);
    }

    @Test
    void aPushWaitingForAKeyThatAnOpenTransactionHoldsHoldsUpNoOtherPush() throws Exception {
        TransactionTemplate transactions = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
        TaskOptions keyed = TaskOptions.defaults().uniqueKey("held");
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService callers = Executors.newFixedThreadPool(2);
        try {
            Future<TaskId> holder = callers.submit(() -> transactions.execute((status) -> {
                TaskId id = storage.push(numbered(queue, 0, keyed));
                held.countDown();
                try {
                    release.await(60, TimeUnit.SECONDS);
                }
                catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                }
                return id;
            }));
            assertThat(held.await(30, TimeUnit.SECONDS)).isTrue();
            Future<TaskId> waiting = callers.submit(() -> storage.push(numbered(queue, 1, keyed)));
            await().atMost(Duration.ofSeconds(30)).until(() -> jdbc.queryForObject("SELECT count(*) FROM pg_stat_activity "
                    + "WHERE datname = current_database() AND wait_event_type = 'Lock'", Long.class) > 0);

            onThreads((thread) -> {
                for (int i = 0; i < 20; i++) {
                    storage.push(numbered(queue, 100 + thread * 20 + i));
                }
                return null;
            });

            assertThat(rows(queue)).as("the open transaction's task is not visible yet").isEqualTo(THREADS * 20);
            assertThat(waiting).as("the push of the held key waits for the transaction").isNotDone();
            release.countDown();
            assertThat(waiting.get(30, TimeUnit.SECONDS)).isEqualTo(holder.get(30, TimeUnit.SECONDS));
        }
        finally {
            release.countDown();
            callers.shutdownNow();
        }
    }

    @Test
    void aRowThePostgresRefusesFailsOnlyItsOwnCaller() throws Exception {
        int perThread = 60;
        AtomicInteger refused = new AtomicInteger();
        List<List<TaskId>> returned = onThreads((thread) -> {
            List<TaskId> ids = new ArrayList<>();
            for (int i = 0; i < perThread; i++) {
                if (thread % 4 == 0 && i % 10 == 3) {
                    try {
                        storage.push(new NewTask(queue, "{not json", TaskOptions.defaults()));
                        throw new AssertionError("an invalid payload was stored");
                    }
                    catch (PayloadException ex) {
                        assertThat(ex).hasMessageContaining("task 1 of 1").hasMessageContaining("is not valid JSON");
                        refused.incrementAndGet();
                    }
                }
                else {
                    ids.add(storage.push(numbered(queue, thread * perThread + i)));
                }
            }
            return ids;
        });

        int valid = THREADS * perThread - refused.get();
        assertThat(refused).hasValue(2 * 6);
        assertThat(rows(queue)).isEqualTo(valid);
        for (List<TaskId> ids : returned) {
            for (TaskId id : ids) {
                assertThat(storage.find(id)).isPresent();
            }
        }
    }

    @Test
    void closingTheStorageWhilePushesArriveLosesNone() throws Exception {
        PostgresStorage closing = PostgresStorage.builder(dataSource).maintenance(false).build();
        int perThread = 150;
        CountDownLatch halfway = new CountDownLatch(THREADS * perThread / 2);
        ExecutorService closer = Executors.newSingleThreadExecutor();
        Future<?> closed = closer.submit(() -> {
            halfway.await();
            closing.close();
            return null;
        });
        try {
            List<List<TaskId>> returned = onThreads((thread) -> {
                List<TaskId> ids = new ArrayList<>();
                for (int i = 0; i < perThread; i++) {
                    ids.add(closing.push(numbered(queue, thread * perThread + i)));
                    halfway.countDown();
                }
                return ids;
            });
            closed.get(30, TimeUnit.SECONDS);
            assertThat(rows(queue)).isEqualTo(THREADS * perThread);
            for (List<TaskId> ids : returned) {
                assertThat(ids).hasSize(perThread).allSatisfy((id) -> assertThat(storage.find(id)).isPresent());
            }
        }
        finally {
            closer.shutdownNow();
            closing.close();
        }
    }

    @Test
    void pushesInsideATransactionAreStoredByThatTransactionAlone() throws Exception {
        TransactionTemplate transactions = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
        List<List<Boolean>> sameTransaction = onThreads((thread) -> {
            List<Boolean> same = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                int n = thread * 20 + i;
                same.add(transactions.execute((status) -> {
                    TaskId id = storage.push(numbered(queue, n));
                    return jdbc.queryForObject("SELECT xmin = pg_current_xact_id()::xid FROM apalis.tasks "
                            + "WHERE id = ?", Boolean.class, id.value());
                }));
            }
            return same;
        });
        assertThat(sameTransaction).allSatisfy((same) -> assertThat(same).containsOnly(true));
        assertThat(transactions(queue)).isEqualTo(THREADS * 20);
    }

    @Test
    void groupedPushesWakeTheSubscribersOfEveryQueueInTheBatch() throws Exception {
        String other = queue + "-other";
        CountDownLatch wokenHere = new CountDownLatch(1);
        CountDownLatch wokenThere = new CountDownLatch(1);
        try (var here = storage.subscribe(queue, wokenHere::countDown);
                var there = storage.subscribe(other, wokenThere::countDown)) {
            onThreads((thread) -> {
                for (int i = 0; i < 20; i++) {
                    storage.push(numbered((thread % 2 == 0) ? queue : other, thread * 100 + i));
                }
                return null;
            });

            assertThat(wokenHere.await(10, TimeUnit.SECONDS)).as("woken for " + queue).isTrue();
            assertThat(wokenThere.await(10, TimeUnit.SECONDS)).as("woken for " + other).isTrue();
        }
    }

    @Test
    void anInterruptedCallerStillStoresItsTaskAndKeepsItsInterrupt() {
        Thread.currentThread().interrupt();
        try {
            TaskId id = storage.push(numbered(queue, 1));

            assertThat(Thread.currentThread().isInterrupted()).as("the interrupt is kept").isTrue();
            assertThat(jdbc.queryForObject("SELECT count(*) FROM apalis.tasks WHERE id = ?", Long.class, id.value()))
                .isEqualTo(1L);
        }
        finally {
            Thread.interrupted();
        }
    }

    @Test
    void withoutTheGroupInsertEachPushIsStoredAlone() throws Exception {
        try (PostgresStorage alone = PostgresStorage.builder(dataSource).maintenance(false).groupInsert(false).build()) {
            onThreads((thread) -> {
                for (int i = 0; i < 20; i++) {
                    alone.push(numbered(queue, thread * 20 + i));
                }
                return null;
            });
        }
        assertThat(rows(queue)).isEqualTo(THREADS * 20);
        assertThat(transactions(queue)).isEqualTo(THREADS * 20);
    }

    private static long rows(String queue) {
        return jdbc.queryForObject("SELECT count(*) FROM apalis.tasks WHERE queue = ?", Long.class, queue);
    }

    private static long transactions(String queue) {
        return jdbc.queryForObject("SELECT count(DISTINCT xmin::text) FROM apalis.tasks WHERE queue = ?", Long.class,
                queue);
    }

    /** Runs the work on {@value #THREADS} threads released together; returns each thread's result. */
    private static <T> List<T> onThreads(ThreadWork<T> work) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<T>> futures = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                Callable<T> task = () -> {
                    start.await();
                    return work.run(thread);
                };
                futures.add(pool.submit(task));
            }
            start.countDown();
            List<T> results = new ArrayList<>();
            for (Future<T> future : futures) {
                results.add(future.get(60, TimeUnit.SECONDS));
            }
            return results;
        }
        finally {
            pool.shutdownNow();
        }
    }

    @FunctionalInterface
    private interface ThreadWork<T> {

        T run(int thread) throws Exception;
    }
}
