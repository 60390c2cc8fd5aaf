package dev.apalis.backend.postgres;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

import dev.apalis.backend.Backend;
import dev.apalis.task.Task;
import dev.apalis.task.TaskOptions;
import dev.apalis.test.PostgresDatabase;

import static dev.apalis.backend.postgres.TestTasks.numbered;
import static dev.apalis.backend.postgres.TestTasks.ns;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What an idle worker's poll sends: after a short claim, one read-only probe answers both "anything
 * claimable?" and "how long until the next run time?", and a claim follows only when something is
 * claimable or a notification arrived. Statements are counted by a proxy around the real data source.
 */
@PostgresDatabase
class PostgresIdlePollTest {

    private static final String WORKER = "idle-worker";

    private final Map<String, AtomicInteger> sent = new ConcurrentHashMap<>();

    private DataSource dataSource;

    private PostgresStorage storage;

    private String queue;

    @BeforeEach
    void setUp(DataSource source, TestInfo info) {
        this.dataSource = source;
        this.queue = info.getTestMethod().orElseThrow().getName();
    }

    @AfterEach
    void closeStorage() {
        if (storage != null) {
            storage.close();
        }
    }

    @Test
    void anIdlePollSendsOneProbeAndNoLookUp() {
        storage = PostgresStorage.builder(counting(dataSource)).notifications(false).maintenance(false).build();
        assertThat(storage.claim(queue, WORKER, 4)).isEmpty();
        assertThat(storage.nextRunIn(queue)).isEmpty();
        reset();

        for (int poll = 0; poll < 3; poll++) {
            assertThat(storage.claim(queue, WORKER, 4)).isEmpty();
            assertThat(storage.nextRunIn(queue)).isEmpty();
        }

        assertThat(count("probe")).isEqualTo(3);
        assertThat(count("claim")).isZero();
        assertThat(count("next run")).isZero();
    }

    @Test
    void aProbeThatFindsAClaimableTaskClaimsIt() {
        storage = PostgresStorage.builder(counting(dataSource)).notifications(false).maintenance(false).build();
        assertThat(storage.claim(queue, WORKER, 4)).isEmpty();
        storage.push(numbered(queue, 7));
        reset();

        List<Task> claimed = storage.claim(queue, WORKER, 4);

        assertThat(ns(claimed)).containsExactly(7);
        assertThat(count("probe")).isEqualTo(1);
        assertThat(count("claim")).isEqualTo(1);
    }

    @Test
    void theProbeAnswersTheNextRunTimeOfDelayedAndScheduledTasks() {
        storage = PostgresStorage.builder(counting(dataSource)).notifications(false).maintenance(false).build();
        storage.push(numbered(queue, 1, TaskOptions.defaults().delay(Duration.ofHours(1))));
        assertThat(storage.claim(queue, WORKER, 4)).isEmpty();
        assertThat(storage.claim(queue, WORKER, 4)).isEmpty();
        assertThat(storage.nextRunIn(queue)).hasValueSatisfying(
                (next) -> assertThat(next).isBetween(Duration.ofMinutes(59), Duration.ofHours(1)));

        storage.push(numbered(queue, 2, TaskOptions.defaults().delay(Duration.ofSeconds(3))));
        reset();
        assertThat(storage.claim(queue, WORKER, 4)).isEmpty();
        assertThat(storage.nextRunIn(queue)).hasValueSatisfying(
                (next) -> assertThat(next).isBetween(Duration.ofSeconds(1), Duration.ofSeconds(3)));

        assertThat(count("probe")).isEqualTo(1);
        assertThat(count("claim")).isZero();
        assertThat(count("next run")).isZero();
    }

    /**
     * A claim sent once the run time a look-up reported has come is aimed at a task that is due: it goes
     * straight to the claim statement, so the task starts one round trip sooner than after a probe.
     */
    @Test
    void aClaimAtTheRunTimeALookUpReportedGoesStraightToTheClaim() {
        storage = PostgresStorage.builder(counting(dataSource)).notifications(false).maintenance(false).build();
        assertThat(storage.claim(queue, WORKER, 4)).isEmpty();
        storage.push(numbered(queue, 5, TaskOptions.defaults().delay(Duration.ofMillis(300))));
        assertThat(storage.claim(queue, WORKER, 4)).isEmpty();
        Duration next = storage.nextRunIn(queue).orElseThrow();
        long answeredAt = System.nanoTime();
        await().atMost(Duration.ofSeconds(5)).until(() -> System.nanoTime() - answeredAt >= next.toNanos());
        reset();

        assertThat(ns(storage.claim(queue, WORKER, 4))).containsExactly(5);

        assertThat(count("probe")).isZero();
        assertThat(count("claim")).isEqualTo(1);
    }

    @Test
    void aLookUpWithoutAProbeJustBeforeAsksTheDatabase() {
        storage = PostgresStorage.builder(counting(dataSource)).notifications(false).maintenance(false).build();
        assertThat(storage.claim(queue, WORKER, 4)).isEmpty();
        reset();

        assertThat(storage.nextRunIn(queue)).isEmpty();
        assertThat(storage.nextRunIn("other-" + queue)).isEmpty();

        assertThat(count("next run")).isEqualTo(2);
    }

    @Test
    void aPausedQueueIsNotClaimableForTheProbe() {
        storage = PostgresStorage.builder(counting(dataSource)).notifications(false).maintenance(false).build();
        assertThat(storage.claim(queue, WORKER, 4)).isEmpty();
        storage.push(numbered(queue, 1));
        storage.pause(queue, "test");
        reset();

        assertThat(storage.claim(queue, WORKER, 4)).isEmpty();

        assertThat(count("probe")).isEqualTo(1);
        assertThat(count("claim")).isZero();
        storage.resume(queue, "test");
        assertThat(ns(storage.claim(queue, WORKER, 4))).containsExactly(1);
    }

    @Test
    void aNotificationSendsTheNextClaimStraightToTheClaim() {
        storage = PostgresStorage.builder(counting(dataSource)).maintenance(false).build();
        AtomicInteger wakes = new AtomicInteger();
        try (Backend.Subscription subscription = storage.subscribe(queue, wakes::incrementAndGet)) {
            // the listener wakes every subscriber once it listens: from then on, pushes are heard
            await().atMost(Duration.ofSeconds(10)).until(() -> wakes.get() >= 1);
            assertThat(storage.claim(queue, WORKER, 4)).isEmpty();
            int before = wakes.get();
            storage.push(numbered(queue, 3));
            await().atMost(Duration.ofSeconds(10)).until(() -> wakes.get() > before);
            reset();

            assertThat(ns(storage.claim(queue, WORKER, 4))).containsExactly(3);

            assertThat(count("probe")).isZero();
            assertThat(count("claim")).isEqualTo(1);
        }
    }

    private int count(String kind) {
        return sent.getOrDefault(kind, new AtomicInteger()).get();
    }

    private void reset() {
        sent.clear();
    }

    /** The data source, counting the statements of the kinds this test looks at. */
    private DataSource counting(DataSource target) {
        return (DataSource) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] { DataSource.class },
                (proxy, method, args) -> {
                    Object result = invoke(method, target, args);
                    return (result instanceof Connection connection) ? countingConnection(connection) : result;
                });
    }

    private Connection countingConnection(Connection target) {
        return (Connection) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] { Connection.class },
                (proxy, method, args) -> {
                    if (method.getName().startsWith("prepare") && args != null && args[0] instanceof String sql) {
                        String kind = sql.startsWith("SELECT EXISTS") ? "probe"
                                : sql.startsWith("WITH locked AS") ? "claim"
                                : sql.contains("extract(epoch FROM next.run_at") ? "next run" : "other";
                        sent.computeIfAbsent(kind, (key) -> new AtomicInteger()).incrementAndGet();
                    }
                    return invoke(method, target, args);
                });
    }

    private static Object invoke(java.lang.reflect.Method method, Object target, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        }
        catch (InvocationTargetException ex) {
            throw ex.getCause();
        }
    }
}
