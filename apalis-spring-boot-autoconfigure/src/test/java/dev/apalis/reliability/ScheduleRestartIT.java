package dev.apalis.reliability;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import dev.apalis.schedule.Schedule;
import dev.apalis.test.PostgresDatabase;
import dev.apalis.test.TestPostgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 15: "a 2-minute schedule with a restart every 30 s runs every slot". Three worker processes,
 * each running its schedule loop, are all replaced every quarter of the schedule's period (SIGTERM for
 * one generation, SIGKILL for the next; a generation whose start-up took longer than a quarter is
 * replaced as soon as it is up), so no process lives from one slot to the next: every slot must come
 * from the schedule's durable state, none from a process's memory. The schedule keeps the
 * defaults a user gets ({@code Schedule.of}: catch-up {@code LAST}, overlap {@code SKIP}), so a slot
 * that falls while the cluster restarts is fired by the next generation. Every slot from the first to
 * the last must be enqueued exactly once, in order, and its task run.
 * <p>
 * The period is the system property {@code apalis.schedule-restart.period} (ISO-8601, a divisor of a
 * minute or of an hour; default {@code PT30S}, so that CI takes about two minutes) and the number of
 * slots {@code apalis.schedule-restart.slots} (default 4). The version, run by hand:
 * {@code -Dapalis.schedule-restart.period=PT2M -Dapalis.schedule-restart.slots=5} (a restart every 30 s,
 * about 11 minutes).
 */
@PostgresDatabase
class ScheduleRestartIT {

    static final Duration PERIOD = Duration.parse(System.getProperty("apalis.schedule-restart.period", "PT30S"));

    static final int SLOTS = Integer.getInteger("apalis.schedule-restart.slots", 4);

    static final Duration RESTART_EVERY = PERIOD.dividedBy(4);

    static final String[] NODE_OPTIONS = { "schedules=true", "concurrency=2", "orphanThreshold=PT5S",
            "heartbeat=PT0.5S" };

    static final int NODES = 3;

    @Test
    void everySlotRunsWhileTheWholeClusterRestartsFourTimesAPeriod(TestPostgres.Database database,
            DataSource dataSource) throws Exception {
        try (Cluster cluster = new Cluster(database, dataSource, "periodic")) {
            Db db = cluster.db();
            db.jdbc().execute("DELETE FROM apalis.schedules");
            Instant firstStart = Instant.now();
            List<Node> generation = cluster.start(NODES, "periodic-1", NODE_OPTIONS);
            Instant savedAt = cluster.dbNow();
            cluster.storage().schedules().save(Schedule.of("periodic", cron(PERIOD), "periodic")
                .withZone(ZoneOffset.UTC)
                .withPayload("{\"n\": 0, \"millis\": 0}"));
            Instant lastSlot = nextMultipleOf(PERIOD, savedAt).plus(PERIOD.multipliedBy(SLOTS - 1));
            List<Duration> downtimes = new ArrayList<>();
            List<Duration> lives = new ArrayList<>();
            Instant generationStart = firstStart;
            int restarts = 0;
            while (cluster.dbNow().isBefore(lastSlot)) {
                Instant restartAt = firstStart.plus(RESTART_EVERY.multipliedBy(restarts + 1));
                livesFor(generation, Duration.between(Instant.now(), restartAt));
                Instant down = Instant.now();
                boolean kill = restarts % 2 == 1;
                for (Node node : generation) {
                    if (kill) {
                        node.kill();
                    }
                    else {
                        node.terminate();
                    }
                }
                for (Node node : generation) {
                    node.awaitExit(Duration.ofSeconds(60));
                }
                lives.add(Duration.between(generationStart, Instant.now()));
                restarts++;
                generation.clear();
                generationStart = Instant.now();
                generation.addAll(cluster.start(NODES, "periodic-" + (restarts + 1), NODE_OPTIONS));
                downtimes.add(Duration.between(down, Instant.now()));
            }
            await().atMost(PERIOD.plusSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> doneSlots(db) >= SLOTS);
            cluster.stopAll(Duration.ofSeconds(60));
            lives.add(Duration.between(generationStart, Instant.now()));

            List<SlotRun> runs = db.jdbc().query("""
                    SELECT (metadata->>'apalis.slot')::timestamptz, created_at, status,
                           (SELECT count(*) FROM public.executions e WHERE e.task_id = t.id)
                    FROM apalis.tasks t WHERE metadata->>'apalis.schedule' = 'periodic'
                    ORDER BY created_at, (metadata->>'apalis.slot')::timestamptz""",
                    (rs, row) -> new SlotRun(rs.getObject(1, OffsetDateTime.class).toInstant(),
                            rs.getObject(2, OffsetDateTime.class).toInstant(), rs.getString(3), rs.getLong(4)));
            Instant firstSlot = runs.get(0).slot();
            List<Instant> expected = new ArrayList<>();
            for (Instant slot = firstSlot; !slot.isAfter(runs.get(runs.size() - 1).slot()); slot = slot.plus(PERIOD)) {
                expected.add(slot);
            }
            List<Duration> lags = runs.stream().map(run -> Duration.between(run.slot(), run.createdAt()))
                .sorted(Comparator.naturalOrder())
                .toList();
            long late = lags.stream().filter(lag -> lag.compareTo(Duration.ofSeconds(1)) > 0).count();

            assertThat(firstSlot).as("the first slot after the schedule was saved at " + savedAt)
                .isAfter(savedAt)
                .isBeforeOrEqualTo(savedAt.plus(PERIOD).plusSeconds(1));
            assertThat(runs).extracting(SlotRun::slot).as("slots enqueued, in the order enqueued")
                .containsExactlyElementsOf(expected);
            assertThat(runs).hasSizeGreaterThanOrEqualTo(SLOTS);
            assertThat(runs).as("every slot's task ran").allSatisfy(run -> {
                assertThat(run.status()).isEqualTo("DONE");
                assertThat(run.executions()).isPositive();
            });
            Duration longestLife = lives.stream().max(Comparator.naturalOrder()).orElseThrow();
            assertThat(restarts).as("restarts of the whole cluster").isGreaterThanOrEqualTo(SLOTS - 1);
            assertThat(longestLife).as("the longest life of a generation of nodes, start-up and stop included: "
                    + "no process may see two slots").isLessThan(PERIOD);

            Figures.of("schedule-restart")
                .put("period", PERIOD)
                .put("restartEvery", RESTART_EVERY)
                .put("nodes", NODES)
                .put("restarts", restarts)
                .put("longestLife", longestLife)
                .put("longestDowntime", downtimes.stream().max(Comparator.naturalOrder()).orElse(Duration.ZERO))
                .put("slots", runs.size())
                .put("missing", expected.size() - runs.size())
                .put("pushLagP50", lags.get(lags.size() / 2))
                .put("pushLagMax", lags.get(lags.size() - 1))
                .put("slotsPushedLaterThan1s", late)
                .print();
        }
    }

    record SlotRun(Instant slot, Instant createdAt, String status, long executions) {
    }

    /**
     * Lets a generation of nodes run for its life, checking all along that none of them dies. The length
     * of a generation's life is the scenario itself (a restart every quarter of a period), not a
     * synchronisation: nothing ends it earlier.
     */
    private static void livesFor(List<Node> generation, Duration life) {
        if (life.isNegative() || life.isZero()) {
            return;
        }
        await().during(life).atMost(life.plusSeconds(5)).pollInterval(Duration.ofMillis(200))
            .until(() -> generation.stream().allMatch(Node::isAlive));
    }

    private static long doneSlots(Db db) {
        Long count = db.jdbc().queryForObject("""
                SELECT count(*) FROM apalis.tasks
                WHERE metadata->>'apalis.schedule' = 'periodic' AND status = 'DONE'""", Long.class);
        return (count != null) ? count : 0;
    }

    /** The cron expression of a period that divides a minute or an hour, in slots aligned on the epoch. */
    static String cron(Duration period) {
        long seconds = period.toSeconds();
        if (seconds > 0 && seconds < 60 && 60 % seconds == 0) {
            return "*/" + seconds + " * * * * *";
        }
        if (seconds % 60 == 0 && seconds < 3600 && 3600 % seconds == 0) {
            return "0 */" + (seconds / 60) + " * * * *";
        }
        throw new IllegalArgumentException("apalis.schedule-restart.period must divide a minute or an hour, was "
                + period);
    }

    private static Instant nextMultipleOf(Duration period, Instant after) {
        long step = period.toMillis();
        long next = (after.toEpochMilli() / step + 1) * step;
        return Instant.ofEpochMilli(next);
    }
}
