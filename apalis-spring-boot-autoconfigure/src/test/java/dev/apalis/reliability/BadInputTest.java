package dev.apalis.reliability;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.JdbcTemplate;

import dev.apalis.backend.postgres.PostgresStorage;
import dev.apalis.task.NewTask;
import dev.apalis.task.PayloadException;
import dev.apalis.task.Task;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskOptions;
import dev.apalis.task.TaskStatus;
import dev.apalis.test.PostgresDatabase;
import dev.apalis.worker.RetryPolicy;
import dev.apalis.worker.TaskFunction;
import dev.apalis.worker.WorkerBuilder;
import dev.apalis.worker.WorkerContext;
import dev.apalis.worker.WorkerEvent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Poison input: payloads PostgreSQL refuses, payloads of the wrong shape, huge payloads, handlers
 * that overflow their stack or never return, listeners that throw. Each task ends in a clear final
 * status with a readable error, and the worker goes on with the next task.
 */
@PostgresDatabase
class BadInputTest {

    record Job(int n, String label) {
    }

    record Big(int n, String blob) {
    }

    private static PostgresStorage storage;

    private static JdbcTemplate jdbc;

    private static final Map<String, String> OUTCOMES = new LinkedHashMap<>();

    @BeforeAll
    static void storage(DataSource dataSource) {
        storage = PostgresStorage.builder(dataSource).schema("bad").build();
        jdbc = new JdbcTemplate(dataSource);
    }

    @AfterAll
    static void close() {
        storage.close();
        Figures figures = Figures.of("bad-input");
        OUTCOMES.forEach(figures::put);
        figures.print();
    }

    @Test
    void invalidJsonIsRefusedAtPushWithAClearErrorAndNothingIsStored() {
        assertThatThrownBy(() -> storage.push(new NewTask("bad-json", "{\"n\": 1,", null)))
            .isInstanceOf(PayloadException.class)
            .hasMessageStartingWith("Cannot push task 1 of 1 to queue 'bad-json': its payload is not valid JSON")
            .hasMessageContaining("nothing of this push was stored");
        assertThatThrownBy(() -> storage.pushAll(List.of(job("bad-json", 1), new NewTask("bad-json", "not json", null),
                job("bad-json", 3))))
            .isInstanceOf(PayloadException.class)
            .hasMessageStartingWith("Cannot push task 2 of 3 to queue 'bad-json': its payload is not valid JSON");
        assertThatThrownBy(() -> storage.push(new NewTask("bad-json", " ", null)))
            .isInstanceOf(PayloadException.class).hasMessageContaining("its payload is empty, which is not JSON");
        assertThatThrownBy(() -> storage.push(new NewTask("bad-json", "{\"s\": \"\\u0000\"}", null)))
            .isInstanceOf(PayloadException.class).hasMessageContaining("contains a NUL character");
        // nor can a row be written around the storage: the column is jsonb
        assertThatThrownBy(() -> jdbc.update("INSERT INTO bad.tasks (id, queue, payload) VALUES (gen_random_uuid(), "
                + "'bad-json', ?::jsonb)", "{not json"))
            .isInstanceOf(DataAccessException.class).hasMessageContaining("invalid input syntax for type json");
        assertThat(countInQueue("bad-json")).as("rows stored").isZero();
        OUTCOMES.put("invalidJson", "\"refused at push (PayloadException), nothing stored\"");
    }

    @Test
    void payloadsOfTheWrongShapeAreKilledAtOnceAndTheWorkerGoesOn() throws Exception {
        List<String> wrong = List.of("[1, 2]", "\"text\"", "42", "{\"n\": \"abc\"}", "{\"n\": {\"deep\": 1}}",
                "{\"label\": \"no n\"}");
        List<TaskId> ids = new ArrayList<>();
        for (String payload : wrong) {
            ids.add(storage.push(new NewTask("shape", payload, TaskOptions.defaults().maxAttempts(5))));
        }
        TaskId nullPayload = storage.push(new NewTask("shape", "null", TaskOptions.defaults().maxAttempts(5)));
        TaskId good = storage.push(job("shape", 7));
        List<Object> received = new CopyOnWriteArrayList<>();
        AtomicReference<Boolean> sawNull = new AtomicReference<>(false);
        WorkerContext worker = WorkerBuilder.named("shape").backend(storage).concurrency(1)
            .build(Job.class, (job, ctx) -> {
                if (job == null) {
                    sawNull.set(true);
                    return;
                }
                received.add(job);
            })
            .start();
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> finished(ids) && finished(List.of(nullPayload, good)));
        }
        finally {
            stop(worker);
        }
        for (TaskId id : ids) {
            Task task = storage.find(id).orElseThrow();
            assertThat(task.status()).as(task.payload()).isEqualTo(TaskStatus.KILLED);
            assertThat(task.attempts()).as("killed at once, attempts left or not").isEqualTo(1);
            assertThat(task.lastError()).startsWith("dev.apalis.task.PayloadException: Cannot read the payload as "
                    + Job.class.getName() + ": ");
        }
        assertThat(received).containsExactly(new Job(7, "label 7"));
        assertThat(storage.find(good).orElseThrow().status()).isEqualTo(TaskStatus.DONE);
        assertThat(sawNull.get()).as("a JSON null payload reaches the handler as null").isTrue();
        assertThat(storage.find(nullPayload).orElseThrow().status()).isEqualTo(TaskStatus.DONE);
        OUTCOMES.put("wrongShape", "\"KILLED at attempt 1: " + firstLine(storage.find(ids.get(3)).orElseThrow()) + "\"");
    }

    @Test
    void aFiveMegabytePayloadIsStoredAndProcessedAndAHugeErrorIsCut() throws Exception {
        String blob = letters(5_000_000);
        long pushStart = System.nanoTime();
        TaskId big = storage.push(new NewTask("big", "{\"n\": 1, \"blob\": \"" + blob + "\"}", null));
        Duration pushed = Duration.ofNanos(System.nanoTime() - pushStart);
        TaskId failing = storage.push(new NewTask("big", "{\"n\": 2, \"blob\": \"" + blob + "\"}",
                TaskOptions.defaults().maxAttempts(1)));
        TaskId small = storage.push(new NewTask("big", "{\"n\": 3, \"blob\": \"small\"}", null));
        Map<Integer, Integer> lengths = new ConcurrentHashMap<>();
        AtomicInteger ranMillis = new AtomicInteger();
        WorkerContext worker = WorkerBuilder.named("big").backend(storage).concurrency(1)
            .build(Big.class, (payload, ctx) -> {
                lengths.put(payload.n(), payload.blob().length());
                if (payload.n() == 2) {
                    throw new IllegalStateException("failed on " + payload.blob());
                }
            })
            .start();
        long runStart = System.nanoTime();
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> finished(List.of(big, failing, small)));
            ranMillis.set((int) Duration.ofNanos(System.nanoTime() - runStart).toMillis());
        }
        finally {
            stop(worker);
        }
        assertThat(storage.find(big).orElseThrow().status()).isEqualTo(TaskStatus.DONE);
        assertThat(storage.find(small).orElseThrow().status()).isEqualTo(TaskStatus.DONE);
        assertThat(lengths).containsEntry(1, 5_000_000).containsEntry(3, 5);
        Task failed = storage.find(failing).orElseThrow();
        assertThat(failed.status()).isEqualTo(TaskStatus.KILLED);
        assertThat(failed.lastError()).startsWith("Gave up after 1 attempt; last error: java.lang.IllegalStateException: "
                + "failed on " + blob.substring(0, 20)).endsWith("\n\t...").hasSizeLessThan(4_100);
        Long stored = jdbc.queryForObject("SELECT pg_column_size(payload) FROM bad.tasks WHERE id = ?", Long.class,
                big.value());
        OUTCOMES.put("fiveMegabytePayload", "\"DONE, pushed in " + pushed.toMillis() + " ms, stored as " + stored
                + " bytes of jsonb, three tasks run in " + ranMillis.get() + " ms; a 5 MB error message stored as "
                + failed.lastError().length() + " characters\"");
    }

    @Test
    void aHandlerThatOverflowsItsStackFailsItsAttemptsAndTheWorkerGoesOn() throws Exception {
        TaskId deep = storage.push(job("deep", 1));
        List<WorkerEvent> events = new CopyOnWriteArrayList<>();
        AtomicInteger depth = new AtomicInteger();
        WorkerContext worker = WorkerBuilder.named("deep").backend(storage).concurrency(1)
            .retry(RetryPolicy.exponential(Duration.ofMillis(100), 1.0, Duration.ofMillis(100), 0).maxAttempts(2))
            .onEvent((ctx, event) -> events.add(event))
            .build(Job.class, (job, ctx) -> {
                if (job.n() == 1) {
                    depth.set(recurse(0));
                }
            })
            .start();
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> finished(List.of(deep)));
            TaskId next = storage.push(job("deep", 2));
            await().atMost(Duration.ofSeconds(30)).until(() -> finished(List.of(next)));
            assertThat(storage.find(next).orElseThrow().status()).isEqualTo(TaskStatus.DONE);
        }
        finally {
            stop(worker);
        }
        Task task = storage.find(deep).orElseThrow();
        assertThat(task.status()).isEqualTo(TaskStatus.KILLED);
        assertThat(task.attempts()).isEqualTo(2);
        assertThat(task.lastError()).startsWith("Gave up after 2 attempts; last error: java.lang.StackOverflowError")
            .hasSizeLessThan(4_100);
        assertThat(events).filteredOn(WorkerEvent.TaskFailed.class::isInstance).hasSize(2)
            .allSatisfy(event -> assertThat(((WorkerEvent.TaskFailed) event).error()).isInstanceOf(StackOverflowError.class));
        assertThat(events).filteredOn(WorkerEvent.TaskKilled.class::isInstance).hasSize(1);
        OUTCOMES.put("stackOverflow", "\"KILLED after 2 attempts: " + firstLine(task) + "\"");
    }

    @Test
    void aHandlerThatNeverReturnsTimesOutKeepsItsSlotAndIsReportedStuck() throws Exception {
        AtomicBoolean release = new AtomicBoolean();
        CountDownLatch never = new CountDownLatch(1);
        AtomicInteger interrupts = new AtomicInteger();
        AtomicReference<Thread> stuck = new AtomicReference<>();
        TaskId hung = storage.push(job("hung", 1));
        TaskFunction<Job> handler = (job, ctx) -> {
            if (job.n() == 1) {
                stuck.set(Thread.currentThread());
                while (!release.get()) { // ignores interrupts: never returns by itself
                    try {
                        never.await();
                    }
                    catch (InterruptedException ex) {
                        interrupts.incrementAndGet();
                    }
                }
            }
        };
        CountDownLatch reportedStuck = new CountDownLatch(1);
        WorkerContext worker = WorkerBuilder.named("hung").backend(storage).concurrency(1)
            .timeout(Duration.ofSeconds(1))
            .retry(RetryPolicy.none())
            .onEvent((ctx, event) -> {
                if (event instanceof WorkerEvent.TaskStuck) {
                    reportedStuck.countDown();
                }
            })
            .build(Job.class, handler)
            .start();
        TaskId next;
        try {
            assertThat(reportedStuck.await(30, TimeUnit.SECONDS)).as("reported stuck after its timeout").isTrue();
            next = storage.push(job("hung", 2));
            // concurrency is a hard limit: the hung handler keeps the only slot, and its task stays RUNNING
            await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(
                    () -> storage.find(next).orElseThrow().status() == TaskStatus.PENDING
                            && storage.find(hung).orElseThrow().status() == TaskStatus.RUNNING);
            assertThat(stuck.get().isAlive()).as("the hung handler's thread still hangs").isTrue();
            assertThat(interrupts.get()).as("the timeout interrupted it").isPositive();
        }
        finally {
            release.set(true);
            never.countDown();
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> finished(List.of(hung, next)));
        assertThat(storage.find(next).orElseThrow().status()).as("the next task, once the slot is free")
            .isEqualTo(TaskStatus.DONE);
        stop(worker);
        Task task = storage.find(hung).orElseThrow();
        assertThat(task.status()).isEqualTo(TaskStatus.KILLED);
        assertThat(task.lastError()).startsWith("Gave up after 1 attempt; last error: dev.apalis.task.TaskTimeoutException: "
                + "Task did not finish within its timeout of PT1S; its thread was interrupted.");
        OUTCOMES.put("neverReturns", "\"KILLED after its 1 s timeout, once it returned: " + firstLine(task) + "\"");
    }

    @Test
    void listenersThatThrowDoNotStopTheWorkerNorTheOtherListeners() throws Exception {
        List<TaskId> ids = storage.pushAll(List.of(job("listeners", 1), job("listeners", 2), job("listeners", 3)));
        List<WorkerEvent> seen = new CopyOnWriteArrayList<>();
        WorkerContext worker = WorkerBuilder.named("listeners").backend(storage)
            .onEvent((ctx, event) -> {
                throw new IllegalStateException("listener fails on " + event);
            })
            .onEvent((ctx, event) -> {
                if (event instanceof WorkerEvent.TaskSucceeded) {
                    throw new AssertionError("an Error from a listener");
                }
            })
            .onEvent((ctx, event) -> seen.add(event))
            .build(Job.class, (job, ctx) -> {
            })
            .start();
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> finished(ids));
        }
        finally {
            stop(worker);
        }
        assertThat(ids).allSatisfy(id -> assertThat(storage.find(id).orElseThrow().status()).isEqualTo(TaskStatus.DONE));
        assertThat(seen).filteredOn(WorkerEvent.TaskSucceeded.class::isInstance).hasSize(3);
        assertThat(seen.get(0)).isInstanceOf(WorkerEvent.Start.class);
        assertThat(seen.get(seen.size() - 1)).isInstanceOf(WorkerEvent.Stop.class);
        OUTCOMES.put("throwingListeners", "\"tasks DONE, other listeners still called, worker stopped normally\"");
    }

    /** Random letters, so that the payload does not compress to almost nothing. */
    private static String letters(int length) {
        java.util.Random random = new java.util.Random(8);
        char[] chars = new char[length];
        for (int i = 0; i < length; i++) {
            chars[i] = (char) ('a' + random.nextInt(26));
        }
        return new String(chars);
    }

    private static int recurse(int depth) {
        return recurse(depth + 1) + 1;
    }

    private static NewTask job(String queue, int n) {
        return new NewTask(queue, "{\"n\": " + n + ", \"label\": \"label " + n + "\"}", null);
    }

    private static boolean finished(List<TaskId> ids) {
        return ids.stream().allMatch(id -> storage.find(id).orElseThrow().status().isFinished());
    }

    private static long countInQueue(String queue) {
        Long count = jdbc.queryForObject("SELECT count(*) FROM bad.tasks WHERE queue = ?", Long.class, queue);
        return (count != null) ? count : 0;
    }

    private static String firstLine(Task task) {
        String error = task.lastError();
        int end = error.indexOf('\n');
        return ((end >= 0) ? error.substring(0, end) : error).replace('"', '\'');
    }

    private static void stop(WorkerContext worker) throws InterruptedException {
        worker.stop();
        assertThat(worker.awaitTermination(Duration.ofSeconds(30))).isTrue();
    }
}
