package dev.apalis.reliability;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.Test;

import org.springframework.jdbc.core.JdbcTemplate;

import dev.apalis.backend.postgres.PostgresStorage;
import dev.apalis.schedule.Schedule;
import dev.apalis.schedule.ScheduleRunner;
import dev.apalis.test.PostgresDatabase;
import dev.apalis.test.TestPostgres;
import dev.apalis.worker.WorkerBuilder;
import dev.apalis.worker.WorkerContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 15: "the schedule loop costs nothing measurable between slots". Five schedules whose next slot
 * is weeks away (1 January, 03:00 UTC), and the database's own counters ({@code pg_stat_database}:
 * transactions, tuples returned and fetched), read from a connection to another database so that the
 * reading does not count:
 * <ol>
 * <li>the schedule loop alone (a storage without maintenance, no worker), over a window: every
 * transaction of the database in that window is the loop's;</li>
 * <li>the same loop beside an idle worker on a storage with the defaults (maintenance, notifications),
 * over the same window: what an idle node costs in all, for scale.</li>
 * </ol>
 * The loop sleeps until the earliest next slot, capped at {@link ScheduleRunner#MAX_SLEEP}, so it may
 * wake once per minute of the window (a round and the look-up of the next slot: two transactions) and
 * no more. The storage's listening connection, which any node with notifications has, checks that it is
 * still valid every 30 s while it hears nothing (an empty statement, which PostgreSQL counts as a
 * transaction); those checks are in the first figure too. A loop that polled every schedule once a
 * second would show hundreds. The window is the system property {@code apalis.schedule-idle.window}
 * (ISO-8601, default {@code PT30S}).
 */
@PostgresDatabase
class ScheduleIdleCostIT {

    static final Duration WINDOW = Duration.parse(System.getProperty("apalis.schedule-idle.window", "PT30S"));

    static final int SCHEDULES = 5;

    record Job(int n) {
    }

    record Counters(long transactions, long tuples) {

        Counters minus(Counters earlier) {
            return new Counters(transactions - earlier.transactions, tuples - earlier.tuples);
        }

        String perSecond(Duration window) {
            double seconds = window.toMillis() / 1000.0;
            return String.format("%.2f transactions/s, %.1f tuples/s (%d and %d in %s)", transactions / seconds,
                    tuples / seconds, transactions, tuples, window);
        }
    }

    @Test
    void theScheduleLoopRunsAtMostOneRoundPerMinuteWhileNoSlotIsDue(TestPostgres.Database database,
            DataSource dataSource) throws Exception {
        TestPostgres.Server server = TestPostgres.server();
        String name = new JdbcTemplate(dataSource).queryForObject("SELECT current_database()", String.class);
        try (Connection stats = DriverManager.getConnection(server.adminUrl(), server.username(), server.password());
                HikariDataSource loopPool = Pools.create(database, 4, 5000);
                HikariDataSource nodePool = Pools.create(database, 12, 5000)) {
            PostgresStorage loopStorage = PostgresStorage.builder(loopPool).maintenance(false).build();
            for (int i = 1; i <= SCHEDULES; i++) {
                loopStorage.schedules().save(Schedule.of("yearly-" + i, "0 0 3 1 1 *", "idle-" + i)
                    .withZone(ZoneOffset.UTC));
            }
            try (ScheduleRunner loop = ScheduleRunner.start(loopStorage.schedules(), events -> {
            })) {
                awaitQuiet(stats, name);
                Counters before = read(stats, name);
                measure(WINDOW, loop::isRunning);
                Counters loopAlone = read(stats, name).minus(before);

                PostgresStorage nodeStorage = PostgresStorage.builder(nodePool).build();
                WorkerContext worker = WorkerBuilder.named("idle").queue("idle").backend(nodeStorage)
                    .build(Job.class, (job, ctx) -> {
                    })
                    .start();
                try {
                    await().atMost(Duration.ofSeconds(30)).until(worker::isRunning);
                    Counters nodeBefore = read(stats, name);
                    measure(WINDOW, () -> loop.isRunning() && worker.isRunning());
                    Counters node = read(stats, name).minus(nodeBefore);

                    long rounds = WINDOW.toMinutes() + 1;
                    long listenerChecks = WINDOW.toSeconds() / 30 + 1;
                    assertThat(loopAlone.transactions()).as("transactions of the schedule loop alone in " + WINDOW
                            + ": " + loopAlone.perSecond(WINDOW)).isLessThanOrEqualTo(2 * rounds + listenerChecks);
                    assertThat(loopAlone.tuples()).as("tuples the schedule loop alone read in " + WINDOW)
                        .isLessThanOrEqualTo(50 * SCHEDULES * rounds);
                    Figures.of("schedule-idle-cost")
                        .put("schedules", SCHEDULES)
                        .put("window", WINDOW)
                        .put("scheduleLoopAlone", loopAlone.perSecond(WINDOW))
                        .put("idleNodeWithScheduleLoop", node.perSecond(WINDOW))
                        .print();
                }
                finally {
                    worker.stop();
                    assertThat(worker.awaitTermination(Duration.ofSeconds(30))).isTrue();
                    nodeStorage.close();
                }
            }
            finally {
                loopStorage.close();
            }
        }
    }

    /**
     * Lets the window pass, checking all along that what is measured keeps running. The window's length
     * is the measurement itself, not a synchronisation.
     */
    private static void measure(Duration window, Callable<Boolean> running) {
        await().during(window).atMost(window.plusSeconds(5)).pollInterval(Duration.ofMillis(500)).until(running);
    }

    /**
     * Waits until the database's counters stand still for 11 s (a server flushes a session's counters
     * within 10 s of its last statement): the schedules are saved and the loop has had its first round.
     */
    private static void awaitQuiet(Connection stats, String name) {
        AtomicReference<Counters> last = new AtomicReference<>();
        await().during(Duration.ofSeconds(11)).atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(1))
            .until(() -> {
                Counters now = read(stats, name);
                return now.equals(last.getAndSet(now));
            });
    }

    private static Counters read(Connection stats, String name) throws SQLException {
        try (PreparedStatement statement = stats.prepareStatement("""
                SELECT xact_commit + xact_rollback, tup_returned + tup_fetched
                FROM pg_stat_database WHERE datname = ?""")) {
            statement.setString(1, name);
            try (ResultSet rs = statement.executeQuery()) {
                rs.next();
                return new Counters(rs.getLong(1), rs.getLong(2));
            }
        }
    }
}
