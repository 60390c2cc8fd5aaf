package dev.apalis.backend.postgres;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.apalis.task.NewTask;
import dev.apalis.task.PayloadException;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskOptions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The group insert's batching and error isolation, with a stand-in for the database: how callers are
 * gathered into batches, that one batch is stored at a time, and which callers a failure reaches.
 * {@code PostgresGroupInsertTest} checks the same against PostgreSQL.
 */
class GroupInserterTest {

    private static final int THREADS = 8;

    private final ExecutorService pool = Executors.newFixedThreadPool(THREADS);

    @AfterEach
    void stopThreads() {
        pool.shutdownNow();
    }

    @Test
    void eightCallersInALoopShareBatchesStoredOneAtATime() throws Exception {
        RecordingStore store = new RecordingStore(batch -> {
            // a commit takes a while: the callers of the next batch gather meanwhile
            LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(300));
            return null;
        });
        GroupInserter inserter = new GroupInserter(store, "test");
        int perThread = 200;

        List<List<TaskId>> ids = onThreads(thread -> {
            List<TaskId> mine = new ArrayList<>();
            for (int i = 0; i < perThread; i++) {
                mine.add(inserter.push(task("t" + thread + "-" + i)));
            }
            return mine;
        });

        assertThat(ids).allSatisfy(mine -> assertThat(mine).hasSize(perThread).doesNotContainNull());
        assertThat(ids.stream().flatMap(List::stream).distinct().count()).isEqualTo(THREADS * perThread);
        assertThat(store.mostAtOnce).as("batches stored at the same time").hasValue(1);
        // one batch at a time: everyone who arrives during a commit goes into the next batch, and a leader
        // lingers for the callers of the previous one; 7.9 tasks per batch on an idle machine
        assertThat(store.meanBatch()).as("tasks per batch").isGreaterThan(4);
    }

    @Test
    void aLoneCallerIsStoredAloneWithoutWaitingForCompany() {
        RecordingStore store = new RecordingStore(batch -> null);
        GroupInserter inserter = new GroupInserter(store, "test");

        for (int i = 0; i < 50; i++) {
            assertThat(inserter.push(task("alone-" + i))).isNotNull();
        }

        assertThat(store.sizes).hasSize(50).containsOnly(1);
    }

    @Test
    void aBatchThatFailsAsAWholeFailsItsCallersOnlyAndTheNextBatchIsStored() throws Exception {
        CountDownLatch firstStoring = new CountDownLatch(1);
        CountDownLatch releaseFirst = new CountDownLatch(1);
        AtomicInteger batches = new AtomicInteger();
        RecordingStore store = new RecordingStore(batch -> {
            int n = batches.incrementAndGet();
            if (n == 1) {
                firstStoring.countDown();
                awaitQuietly(releaseFirst);
            }
            if (n == 2) {
                throw new IllegalStateException("the database is unreachable");
            }
            return null;
        });
        GroupInserter inserter = new GroupInserter(store, "test");

        Future<TaskId> first = pool.submit(() -> inserter.push(task("first")));
        assertThat(firstStoring.await(10, TimeUnit.SECONDS)).isTrue();
        // the three wait for the first batch's commit, so they make the second batch together
        List<Future<TaskId>> second = pushAndAwaitParked(inserter, "second-0", "second-1", "second-2");
        releaseFirst.countDown();

        assertThat(first.get(10, TimeUnit.SECONDS)).isNotNull();
        for (Future<TaskId> caller : second) {
            assertThatThrownBy(() -> caller.get(10, TimeUnit.SECONDS))
                .hasRootCauseInstanceOf(IllegalStateException.class)
                .hasRootCauseMessage("the database is unreachable");
        }
        assertThat(store.sizes).containsExactly(1, 3);
        assertThat(inserter.push(task("third"))).as("the batch after the failed one").isNotNull();
    }

    @Test
    void aCallerHandedTheLeadBeforeItsBatchIsCompleteStoresItAfterTheLinger() throws Exception {
        CountDownLatch releaseFirst = new CountDownLatch(1);
        CountDownLatch releaseSecond = new CountDownLatch(1);
        AtomicInteger batches = new AtomicInteger();
        RecordingStore store = new RecordingStore(batch -> {
            int n = batches.incrementAndGet();
            awaitQuietly((n == 1) ? releaseFirst : (n == 2) ? releaseSecond : new CountDownLatch(0));
            return null;
        });
        GroupInserter inserter = new GroupInserter(store, "test");

        Future<TaskId> first = pool.submit(() -> inserter.push(task("first")));
        await().atMost(Duration.ofSeconds(10)).until(() -> store.sizes.size() == 1);
        // the three arrive during the first commit: they make the second batch, and a batch of three is due next
        List<Future<TaskId>> second = pushAndAwaitParked(inserter, "second-0", "second-1", "second-2");
        releaseFirst.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> store.sizes.size() == 2);
        Future<TaskId> alone = pushAndAwaitParked(inserter, "alone").get(0);
        releaseSecond.countDown();

        // the lone caller is handed the lead when the second commit ends; nobody else comes to complete its
        // batch, so it stores it alone after the linger
        assertThat(first.get(10, TimeUnit.SECONDS)).isNotNull();
        for (Future<TaskId> caller : second) {
            assertThat(caller.get(10, TimeUnit.SECONDS)).isNotNull();
        }
        assertThat(alone.get(10, TimeUnit.SECONDS)).isNotNull();
        assertThat(store.sizes).containsExactly(1, 3, 1);
    }

    @Test
    void aRowRefusedForItsDataFailsOnlyItsOwnCaller() throws Exception {
        RecordingStore store = new RecordingStore(batch -> {
            if (batch.stream().anyMatch(task -> task.payload().contains("bad"))) {
                throw new PayloadException("refused: " + batch.size() + " task(s)", null);
            }
            return null;
        });
        GroupInserter inserter = new GroupInserter(store, "test");
        AtomicInteger refused = new AtomicInteger();

        List<List<TaskId>> ids = onThreads(thread -> {
            List<TaskId> mine = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                String name = (thread == 3 && i % 10 == 5) ? "bad-" + i : "t" + thread + "-" + i;
                try {
                    mine.add(inserter.push(task(name)));
                }
                catch (PayloadException ex) {
                    assertThat(name).startsWith("bad-");
                    assertThat(ex).hasMessage("refused: 1 task(s)");
                    refused.incrementAndGet();
                }
            }
            return mine;
        });

        assertThat(refused).hasValue(5);
        assertThat(ids.stream().mapToInt(List::size).sum()).isEqualTo(THREADS * 50 - 5);
    }

    @Test
    void afterCloseAPushIsLeftToItsCaller() {
        GroupInserter inserter = new GroupInserter(new RecordingStore(batch -> null), "test");
        assertThat(inserter.push(task("before"))).isNotNull();

        inserter.close();

        assertThat(inserter.push(task("after"))).isNull();
    }

    private static NewTask task(String name) {
        return new NewTask("queue", "{\"name\":\"" + name + "\"}", TaskOptions.defaults());
    }

    /** Pushes the named tasks, each from a thread of its own, and waits until every caller is parked in the inserter. */
    private List<Future<TaskId>> pushAndAwaitParked(GroupInserter inserter, String... names) {
        List<Thread> callers = new CopyOnWriteArrayList<>();
        List<Future<TaskId>> pushes = new ArrayList<>();
        for (String name : names) {
            pushes.add(pool.submit(() -> {
                callers.add(Thread.currentThread());
                return inserter.push(task(name));
            }));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> callers.size() == names.length
                && callers.stream().allMatch(thread -> thread.getState() == Thread.State.WAITING));
        return pushes;
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            if (!latch.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("not released");
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    private <T> List<T> onThreads(ThreadWork<T> work) throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<T>> futures = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int thread = t;
            futures.add(pool.submit(() -> {
                start.await();
                return work.run(thread);
            }));
        }
        start.countDown();
        List<T> results = new ArrayList<>();
        for (Future<T> future : futures) {
            results.add(future.get(60, TimeUnit.SECONDS));
        }
        return results;
    }

    @FunctionalInterface
    private interface ThreadWork<T> {

        T run(int thread) throws Exception;
    }

    /** Stands in for the database: records each batch, runs a behaviour, then gives every task an id. */
    private static final class RecordingStore implements Function<List<NewTask>, List<TaskId>> {

        final List<Integer> sizes = new CopyOnWriteArrayList<>();

        final AtomicInteger mostAtOnce = new AtomicInteger();

        private final AtomicInteger atOnce = new AtomicInteger();

        private final Function<List<NewTask>, Void> behaviour;

        RecordingStore(Function<List<NewTask>, Void> behaviour) {
            this.behaviour = behaviour;
        }

        @Override
        public List<TaskId> apply(List<NewTask> batch) {
            mostAtOnce.accumulateAndGet(atOnce.incrementAndGet(), Math::max);
            try {
                sizes.add(batch.size());
                behaviour.apply(batch);
                List<TaskId> ids = new ArrayList<>();
                for (int i = 0; i < batch.size(); i++) {
                    ids.add(TaskId.next());
                }
                return ids;
            }
            finally {
                atOnce.decrementAndGet();
            }
        }

        double meanBatch() {
            return sizes.stream().mapToInt(Integer::intValue).average().orElse(0);
        }
    }
}
