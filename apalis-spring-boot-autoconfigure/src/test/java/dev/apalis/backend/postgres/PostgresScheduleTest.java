package dev.apalis.backend.postgres;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import org.springframework.jdbc.core.JdbcTemplate;

import dev.apalis.schedule.CatchUp;
import dev.apalis.schedule.Overlap;
import dev.apalis.schedule.Schedule;
import dev.apalis.schedule.ScheduleRunner;
import dev.apalis.schedule.ScheduleSlot;
import dev.apalis.schedule.ScheduleState;
import dev.apalis.schedule.ScheduleStore;
import dev.apalis.schedule.SlotEvent;
import dev.apalis.task.Task;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskStatus;
import dev.apalis.test.PostgresDatabase;
import dev.apalis.test.TestPostgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Schedules on PostgreSQL: several nodes racing on one schedule push each slot once, in order; the
 * catch-up and overlap policies after simulated downtime (the stored next slot moved into the past,
 * which is what a cluster finds after it was down); changes, pause, resume, trigger, delete; the
 * declarations of an application; a broken row; and the wake-up on a change.
 */
@PostgresDatabase
class PostgresScheduleTest {

    static final String EVERY_SECOND = "* * * * * *";

    static final String EVERY_MINUTE = "0 * * * * *";

    private static DataSource dataSource;

    private static JdbcTemplate jdbc;

    @BeforeAll
    static void setUp(DataSource source) {
        dataSource = source;
        jdbc = new JdbcTemplate(source);
    }

    private static PostgresStorage storage(DataSource source, String schema) {
        return PostgresStorage.builder(source).schema(schema).maintenance(false).build();
    }

    private static Schedule everySecond(String name) {
        return Schedule.of(name, EVERY_SECOND, "ticks").withZone(ZoneOffset.UTC).withOverlap(Overlap.ALLOW)
            .withCatchUp(CatchUp.ALL);
    }

    private static List<Instant> slotsPushed(String schema, String schedule) {
        return jdbc.query("SELECT metadata->>'apalis.slot' FROM " + schema + ".tasks WHERE metadata->>'apalis.schedule' = ? "
                + "ORDER BY (metadata->>'apalis.slot')::timestamptz", (rs, row) -> Instant.parse(rs.getString(1)), schedule);
    }

    /** Moves a schedule's next slot into the past, as if every node had been down since then. */
    private static void downtime(String schema, String schedule, String since) {
        jdbc.update("UPDATE " + schema + ".schedules SET next_run_at = " + since + " WHERE name = ?", schedule);
    }

    @Test
    void severalNodesRacingOnOneScheduleEnqueueEachSlotOnceInOrder(TestPostgres.Database database) throws Exception {
        int nodes = 4;
        List<HikariDataSource> pools = new ArrayList<>();
        List<PostgresStorage> storages = new ArrayList<>();
        List<ScheduleRunner> runners = new ArrayList<>();
        List<SlotEvent> events = new CopyOnWriteArrayList<>();
        ExecutorService hammer = Executors.newFixedThreadPool(nodes);
        AtomicBoolean stop = new AtomicBoolean();
        try {
            for (int i = 0; i < nodes; i++) {
                HikariDataSource pool = database.newDataSource(4);
                pools.add(pool);
                storages.add(storage(pool, "race"));
            }
            storages.get(0).schedules().save(everySecond("tick"));
            for (PostgresStorage storage : storages) {
                runners.add(ScheduleRunner.start(storage.schedules(), events::addAll));
            }
            // besides each node's loop, a thread per node runs rounds as fast as it can
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Integer>> rounds = new ArrayList<>();
            for (PostgresStorage storage : storages) {
                rounds.add(hammer.submit(() -> {
                    go.await();
                    int count = 0;
                    while (!stop.get()) {
                        events.addAll(storage.schedules().fireDue());
                        count++;
                    }
                    return count;
                }));
            }
            go.countDown();
            await().atMost(Duration.ofSeconds(60)).until(() -> slotsPushed("race", "tick").size() >= 8);
            stop.set(true);
            int totalRounds = 0;
            for (Future<Integer> round : rounds) {
                totalRounds += round.get();
            }
            assertThat(totalRounds).isGreaterThan(nodes);
        }
        finally {
            stop.set(true);
            hammer.shutdownNow();
            runners.forEach(ScheduleRunner::close);
            storages.forEach(PostgresStorage::close);
            pools.forEach(HikariDataSource::close);
        }
        List<Instant> slots = slotsPushed("race", "tick");
        assertThat(slots).doesNotHaveDuplicates();
        for (int i = 1; i < slots.size(); i++) {
            assertThat(slots.get(i)).isEqualTo(slots.get(i - 1).plusSeconds(1));
        }
        List<Instant> reported = events.stream()
            .filter(event -> event.outcome() != SlotEvent.Outcome.SKIPPED)
            .map(SlotEvent::slot)
            .sorted()
            .toList();
        assertThat(reported).isEqualTo(slots);
    }

    @Test
    void aSlotIsPushedWithinASecondOfItsTime() {
        try (PostgresStorage storage = storage(dataSource, "latency")) {
            List<SlotEvent> events = new CopyOnWriteArrayList<>();
            storage.schedules().save(everySecond("lag"));
            try (ScheduleRunner runner = ScheduleRunner.start(storage.schedules(), events::addAll)) {
                await().atMost(Duration.ofSeconds(60)).until(() -> events.size() >= 20);
            }
            List<Long> lags = events.stream().map(event -> event.lag().toMillis()).sorted().toList();
            long p50 = lags.get(lags.size() / 2);
            long p99 = lags.get((int) Math.ceil(lags.size() * 0.99) - 1);
            System.out.println("Schedule push lag over " + lags.size() + " slots: p50 " + p50 + " ms, p99 " + p99
                    + " ms, max " + lags.get(lags.size() - 1) + " ms");
            assertThat(events).allMatch(event -> event.outcome() == SlotEvent.Outcome.FIRED);
            assertThat(p99).isLessThan(1000);
        }
    }

    @Test
    void catchUpNoneFiresOnlyTheOnTimeSlotAfterFiveMinutesOfDowntime() {
        List<SlotEvent> events = afterFiveMinutesDown("none", Schedule.of("none", EVERY_MINUTE, "m")
            .withZone(ZoneOffset.UTC).withCatchUp(CatchUp.NONE).withOverlap(Overlap.ALLOW));
        assertThat(outcomes(events)).containsExactly(SlotEvent.Outcome.FIRED, SlotEvent.Outcome.SKIPPED);
        assertThat(events.get(1).count()).isEqualTo(5);
    }

    @Test
    void catchUpLastFiresOneRunForTheMissedSlotsAfterFiveMinutesOfDowntime() {
        List<SlotEvent> events = afterFiveMinutesDown("last", Schedule.of("last", EVERY_MINUTE, "m")
            .withZone(ZoneOffset.UTC).withCatchUp(CatchUp.LAST).withOverlap(Overlap.ALLOW));
        assertThat(outcomes(events)).containsExactly(SlotEvent.Outcome.CAUGHT_UP, SlotEvent.Outcome.FIRED,
                SlotEvent.Outcome.SKIPPED);
        assertThat(events.get(2).count()).isEqualTo(4);
    }

    @Test
    void catchUpAllFiresEachMissedSlotUpToItsLimitAfterFiveMinutesOfDowntime() {
        List<SlotEvent> all = afterFiveMinutesDown("catchall", Schedule.of("all", EVERY_MINUTE, "m")
            .withZone(ZoneOffset.UTC).withOverlap(Overlap.ALLOW).withCatchUp(CatchUp.ALL));
        assertThat(outcomes(all)).containsExactly(SlotEvent.Outcome.CAUGHT_UP, SlotEvent.Outcome.CAUGHT_UP,
                SlotEvent.Outcome.CAUGHT_UP, SlotEvent.Outcome.CAUGHT_UP, SlotEvent.Outcome.CAUGHT_UP,
                SlotEvent.Outcome.FIRED);
        List<SlotEvent> capped = afterFiveMinutesDown("capped", Schedule.of("capped", EVERY_MINUTE, "m")
            .withZone(ZoneOffset.UTC).withOverlap(Overlap.ALLOW).withCatchUp(CatchUp.ALL).withCatchUpLimit(3));
        assertThat(outcomes(capped)).containsExactly(SlotEvent.Outcome.CAUGHT_UP, SlotEvent.Outcome.CAUGHT_UP,
                SlotEvent.Outcome.CAUGHT_UP, SlotEvent.Outcome.FIRED, SlotEvent.Outcome.SKIPPED);
        assertThat(capped.get(4).count()).isEqualTo(2);
        assertThat(capped.get(0).slot()).isEqualTo(capped.get(3).slot().minus(Duration.ofMinutes(3)));
    }

    /** Saves the schedule, moves its next slot five minutes back, runs one round and checks the tasks. */
    private List<SlotEvent> afterFiveMinutesDown(String schema, Schedule schedule) {
        try (PostgresStorage storage = storage(dataSource, schema)) {
            ScheduleStore store = storage.schedules();
            store.save(schedule);
            downtime(schema, schedule.name(), "date_trunc('minute', now()) - interval '5 minutes'");
            List<SlotEvent> events = store.fireDue();
            List<Instant> pushed = events.stream().filter(e -> e.taskId() != null).map(SlotEvent::slot).toList();
            assertThat(slotsPushed(schema, schedule.name())).isEqualTo(pushed);
            for (SlotEvent event : events) {
                if (event.taskId() != null) {
                    Task task = storage.find(event.taskId()).orElseThrow();
                    assertThat(task.queue()).isEqualTo("m");
                    assertThat(ScheduleSlot.of(task.metadata()))
                        .contains(new ScheduleSlot(schedule.name(), event.slot(), false));
                }
            }
            ScheduleState state = store.find(schedule.name()).orElseThrow();
            assertThat(state.nextRunAt()).isAfter(pushed.get(pushed.size() - 1));
            assertThat(store.fireDue()).isEmpty(); // nothing due twice
            return events;
        }
    }

    private static List<SlotEvent.Outcome> outcomes(List<SlotEvent> events) {
        return events.stream().map(SlotEvent::outcome).toList();
    }

    @Test
    void overlapSkipFiresNothingWhileThePreviousRunIsUnfinished() {
        try (PostgresStorage storage = storage(dataSource, "overlap")) {
            ScheduleStore store = storage.schedules();
            store.save(Schedule.of("skip", EVERY_SECOND, "o").withZone(ZoneOffset.UTC));
            downtime("overlap", "skip", "now() - interval '3 seconds'");
            List<SlotEvent> first = store.fireDue();
            assertThat(outcomes(first)).containsExactly(SlotEvent.Outcome.FIRED, SlotEvent.Outcome.SKIPPED);
            TaskId running = first.get(0).taskId();

            downtime("overlap", "skip", "now() - interval '2 seconds'");
            assertThat(outcomes(store.fireDue())).containsExactly(SlotEvent.Outcome.SKIPPED);
            assertThat(slotsPushed("overlap", "skip")).hasSize(1);

            jdbc.update("UPDATE overlap.tasks SET status = 'DONE', finished_at = now() WHERE id = ?", running.value());
            downtime("overlap", "skip", "now() - interval '2 seconds'");
            assertThat(outcomes(store.fireDue())).startsWith(SlotEvent.Outcome.FIRED);
            assertThat(slotsPushed("overlap", "skip")).hasSize(2);
        }
    }

    @Test
    void changesRecomputeTheNextSlotAndPauseResumeTriggerDeleteWork() {
        try (PostgresStorage storage = storage(dataSource, "changes")) {
            ScheduleStore store = storage.schedules();
            Schedule nightly = Schedule.of("nightly", "0 30 2 * * *", "reports").withZone(ZoneOffset.UTC);
            Instant next = store.save(nightly).nextRunAt();
            assertThat(next.atOffset(ZoneOffset.UTC).getHour()).isEqualTo(2);
            Schedule full = nightly.withPayload("{\"full\": true}");
            assertThat(store.save(full).nextRunAt()).isEqualTo(next);
            Instant changed = store.save(full.withCron("0 15 4 * * *")).nextRunAt();
            assertThat(changed.atOffset(ZoneOffset.UTC).getHour()).isEqualTo(4);

            assertThat(store.pause("nightly")).isTrue();
            assertThat(store.find("nightly").orElseThrow().paused()).isTrue();
            assertThat(store.find("nightly").orElseThrow().nextRunAt()).isNull();
            assertThat(store.untilNextDue()).isEmpty();
            assertThat(store.resume("nightly")).isTrue();
            assertThat(store.find("nightly").orElseThrow().nextRunAt()).isEqualTo(changed);

            TaskId triggered = store.trigger("nightly").orElseThrow();
            Task task = storage.find(triggered).orElseThrow();
            assertThat(task.payload()).isEqualTo("{\"full\": true}");
            assertThat(ScheduleSlot.of(task.metadata())).hasValueSatisfying(slot -> assertThat(slot.triggered()).isTrue());
            ScheduleState state = store.find("nightly").orElseThrow();
            assertThat(state.lastTaskId()).isEqualTo(triggered);
            assertThat(state.lastTaskStatus()).isEqualTo(TaskStatus.PENDING);
            assertThat(state.nextRunAt()).isEqualTo(changed);

            assertThat(store.delete("nightly")).isTrue();
            assertThat(store.find("nightly")).isEmpty();
            assertThat(storage.find(triggered)).isPresent();
            assertThat(store.pause("nightly")).isFalse();
            assertThat(store.trigger("nightly")).isEmpty();
        }
    }

    @Test
    void declarationsDisableWhatTheSameOwnerNoLongerDeclares() {
        try (PostgresStorage storage = storage(dataSource, "declared")) {
            ScheduleStore store = storage.schedules();
            store.save(Schedule.of("runtime", EVERY_MINUTE, "q"));
            store.declare("other-app", List.of(Schedule.of("theirs", EVERY_MINUTE, "q")));
            assertThat(store.declare("app", List.of(Schedule.of("a", EVERY_MINUTE, "q"), Schedule.of("b", EVERY_MINUTE, "q"))))
                .isEmpty();
            assertThat(store.declare("app", List.of(Schedule.of("a", EVERY_MINUTE, "q")))).containsExactly("b");
            Map<String, Boolean> enabled = new java.util.TreeMap<>();
            for (ScheduleState state : store.list()) {
                enabled.put(state.name(), state.active());
            }
            assertThat(enabled).containsExactly(Map.entry("a", true), Map.entry("b", false), Map.entry("runtime", true),
                    Map.entry("theirs", true));
            assertThat(store.find("b").orElseThrow().nextRunAt()).isNull();
            assertThat(store.find("a").orElseThrow().declared()).isTrue();
            assertThat(store.find("runtime").orElseThrow().declared()).isFalse();
            // declared again: enabled, with a next slot from now
            store.declare("app", List.of(Schedule.of("a", EVERY_MINUTE, "q"), Schedule.of("b", EVERY_MINUTE, "q")));
            assertThat(store.find("b").orElseThrow().nextRunAt()).isAfter(Instant.now().minusSeconds(5));
        }
    }

    @Test
    void aRowEditedIntoAnInvalidScheduleIsDisabledWithoutStoppingTheOthers() {
        try (PostgresStorage storage = storage(dataSource, "broken")) {
            ScheduleStore store = storage.schedules();
            store.save(everySecond("bad"));
            store.save(everySecond("good"));
            jdbc.update("UPDATE broken.schedules SET cron = 'not a cron', next_run_at = now() - interval '1 second'");
            jdbc.update("UPDATE broken.schedules SET cron = ? WHERE name = 'good'", EVERY_SECOND);
            List<SlotEvent> events = store.fireDue();
            assertThat(events).extracting(SlotEvent::schedule).contains("good").doesNotContain("bad");
            Boolean enabled = jdbc.queryForObject("SELECT enabled FROM broken.schedules WHERE name = 'bad'", Boolean.class);
            assertThat(enabled).isFalse();
        }
    }

    @Test
    void aSleepingNodeWakesOnAScheduleSavedByAnotherNode(TestPostgres.Database database) {
        try (HikariDataSource other = database.newDataSource(3);
                PostgresStorage sleeper = storage(dataSource, "wake");
                PostgresStorage writer = storage(other, "wake")) {
            List<SlotEvent> events = new CopyOnWriteArrayList<>();
            try (ScheduleRunner runner = ScheduleRunner.start(sleeper.schedules(), events::addAll)) {
                // the runner found nothing and sleeps up to a minute; the save must wake it
                await().pollDelay(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(runner::isRunning);
                writer.schedules().save(everySecond("woken"));
                await().atMost(Duration.ofSeconds(10)).until(() -> !events.isEmpty());
            }
            assertThat(events.get(0).schedule()).isEqualTo("woken");
        }
    }

    @Test
    void theDatabaseClockDecidesWhatIsDue() {
        try (PostgresStorage storage = storage(dataSource, "dbclock")) {
            ScheduleStore store = storage.schedules();
            store.save(Schedule.of("later", "0 0 0 1 1 *", "q").withZone(ZoneOffset.UTC));
            assertThat(store.fireDue()).isEmpty();
            Duration left = store.untilNextDue().orElseThrow();
            OffsetDateTime dbNow = jdbc.queryForObject("SELECT now()", OffsetDateTime.class);
            Instant expected = store.find("later").orElseThrow().nextRunAt();
            assertThat(Duration.between(dbNow.toInstant().plus(left), expected).abs()).isLessThan(Duration.ofSeconds(5));
        }
    }
}
