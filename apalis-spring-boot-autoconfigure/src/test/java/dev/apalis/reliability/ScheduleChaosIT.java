package dev.apalis.reliability;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import dev.apalis.schedule.CatchUp;
import dev.apalis.schedule.Overlap;
import dev.apalis.schedule.Schedule;
import dev.apalis.test.PostgresDatabase;
import dev.apalis.test.TestPostgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A 1-second schedule while 3 worker processes, each running its schedule loop, are killed (SIGKILL)
 * or stopped (SIGTERM) at random every 5-20 s and replaced, and once all of them are killed at the same
 * moment: every slot from the first to the last is enqueued exactly once, in order (catch-up
 * {@code ALL} fills the slots of the total outage). The duration is the system property
 * {@code apalis.schedule-chaos.duration} (ISO-8601, default {@code PT75S}), so that longer runs need no
 * code change: {@code -Dapalis.schedule-chaos.duration=PT10M}.
 */
@PostgresDatabase
class ScheduleChaosIT {

    static final Duration DURATION = Duration.parse(System.getProperty("apalis.schedule-chaos.duration", "PT75S"));

    static final String[] NODE_OPTIONS = { "schedules=true", "concurrency=2", "orphanThreshold=PT5S",
            "heartbeat=PT0.5S" };

    @Test
    void everySlotIsEnqueuedOnceInOrderWhileNodesAreKilledAndRestarted(TestPostgres.Database database,
            DataSource dataSource) throws Exception {
        Random random = new Random();
        try (Cluster cluster = new Cluster(database, dataSource, "ticks")) {
            Db db = cluster.db();
            db.jdbc().execute("DELETE FROM apalis.schedules");
            cluster.start(3, "sched", NODE_OPTIONS);
            cluster.storage().schedules().save(Schedule.of("tick", "* * * * * *", "ticks").withZone(ZoneOffset.UTC)
                .withPayload("{\"n\": 0, \"millis\": 0}").withOverlap(Overlap.ALLOW).withCatchUp(CatchUp.ALL)
                .withCatchUpLimit(10_000));
            Instant end = Instant.now().plus(DURATION);
            Instant blackout = Instant.now().plus(DURATION.dividedBy(2));
            boolean blackedOut = false;
            int kills = 0;
            int terms = 0;
            int generation = 1;
            while (Instant.now().isBefore(end)) {
                // pacing of the chaos, not synchronisation: the assertions below wait for what they need
                TimeUnit.MILLISECONDS.sleep(5_000 + random.nextInt(15_000));
                List<Node> alive = cluster.nodes().stream().filter(Node::isAlive).toList();
                if (!blackedOut && Instant.now().isAfter(blackout)) {
                    blackedOut = true;
                    for (Node node : alive) {
                        node.kill();
                        kills++;
                    }
                    for (Node node : alive) {
                        node.awaitExit(Duration.ofSeconds(30));
                    }
                    cluster.start(alive.size(), "sched-" + (++generation), NODE_OPTIONS);
                    continue;
                }
                Node victim = alive.get(random.nextInt(alive.size()));
                if (terms > kills) { // alternate, SIGTERM first, so that every run has both
                    victim.kill();
                    kills++;
                }
                else {
                    victim.terminate();
                    terms++;
                }
                victim.awaitExit(Duration.ofSeconds(60));
                cluster.start(1, "sched-" + (++generation), NODE_OPTIONS);
            }
            Instant stoppedAt = cluster.dbNow();
            await().atMost(Duration.ofSeconds(30)).until(() -> lastSlot(db) != null
                    && !lastSlot(db).isBefore(stoppedAt.minusSeconds(1)));
            cluster.stopAll(Duration.ofSeconds(60));

            List<Instant> slots = db.jdbc().query("""
                    SELECT (metadata->>'apalis.slot')::timestamptz FROM apalis.tasks
                    WHERE metadata->>'apalis.schedule' = 'tick'
                    ORDER BY created_at, (metadata->>'apalis.slot')::timestamptz""",
                    (rs, row) -> rs.getObject(1, java.time.OffsetDateTime.class).toInstant());
            System.out.println("Schedule chaos: " + DURATION + ", " + kills + " SIGKILL, " + terms + " SIGTERM, "
                    + slots.size() + " slots enqueued, from " + slots.get(0) + " to " + slots.get(slots.size() - 1));
            assertThat(kills).isGreaterThanOrEqualTo(2);
            assertThat(terms).isGreaterThanOrEqualTo(1);
            List<String> gaps = new ArrayList<>();
            for (int i = 1; i < slots.size(); i++) {
                if (!slots.get(i).equals(slots.get(i - 1).plusSeconds(1))) {
                    gaps.add(slots.get(i - 1) + " -> " + slots.get(i));
                }
            }
            assertThat(gaps).as("slots enqueued out of order, twice or not at all").isEmpty();
            assertThat(Duration.between(slots.get(0), slots.get(slots.size() - 1)))
                .isGreaterThanOrEqualTo(DURATION.minusSeconds(10));
        }
    }

    private static Instant lastSlot(Db db) {
        java.time.OffsetDateTime last = db.jdbc().queryForObject("""
                SELECT max((metadata->>'apalis.slot')::timestamptz) FROM apalis.tasks
                WHERE metadata->>'apalis.schedule' = 'tick'""", java.time.OffsetDateTime.class);
        return (last != null) ? last.toInstant() : null;
    }
}
