package dev.apalis.backend.postgres;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.BiFunction;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.jdbc.core.ResultSetExtractor;

import dev.apalis.backend.Backend;
import dev.apalis.schedule.CatchUp;
import dev.apalis.schedule.Overlap;
import dev.apalis.schedule.Schedule;
import dev.apalis.schedule.ScheduleState;
import dev.apalis.schedule.ScheduleStore;
import dev.apalis.schedule.SlotEvent;
import dev.apalis.schedule.SlotPlan;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskStatus;

/**
 * The schedules of a {@link PostgresStorage}, in its {@code schedules} table (schema version 3).
 * <p>
 * A round ({@link #fireDue()}) runs in a transaction of its own: it locks the due rows with
 * {@code FOR UPDATE SKIP LOCKED} (so nodes racing on one schedule never wait for each other and only
 * one of them takes it), reads the database's {@code now()}, plans each schedule's slots by its
 * policies ({@link SlotPlan}), inserts their tasks into the tasks table and moves {@code next_run_at}
 * past them, all before the commit. Either all of that happens or none of it, which is what makes a
 * slot fire exactly once; the tasks table's unique index is not involved. Workers are woken once the
 * round commits. Changes to schedules are announced on the storage's channel, so that every node
 * recomputes how long it sleeps.
 */
final class PostgresScheduleStore implements ScheduleStore {

    private static final Log logger = LogFactory.getLog(PostgresScheduleStore.class);

    /** The name the storage's listener passes schedule changes under (not a valid queue to push to). */
    static final String CHANGE_KEY = "\u0001schedules";

    /** How many due schedules one round takes at most; the next round follows at once. */
    private static final int ROUND_SIZE = 50;

    private static final String COLUMNS = """
            s.name, s.cron, s.zone, s.queue, s.payload::text, s.enabled, s.paused, s.catch_up, s.catch_up_limit,
            s.overlap, s.declared_by, s.next_run_at, s.last_slot_at, s.last_task_id, t.status""";

    private static final String FIND = "SELECT " + COLUMNS + """

            FROM {schedules} s LEFT JOIN {tasks} t ON t.id = s.last_task_id
            WHERE s.name = ?""";

    private static final String LIST = "SELECT " + COLUMNS + """

            FROM {schedules} s LEFT JOIN {tasks} t ON t.id = s.last_task_id
            ORDER BY s.name""";

    private static final String DUE = "SELECT " + COLUMNS + ", now()" + """

            FROM {schedules} s LEFT JOIN {tasks} t ON t.id = s.last_task_id
            WHERE s.enabled AND NOT s.paused AND s.next_run_at <= now()
            ORDER BY s.next_run_at
            LIMIT %d
            FOR UPDATE OF s SKIP LOCKED""".formatted(ROUND_SIZE);

    private static final String LOCK = "SELECT " + COLUMNS + ", clock_timestamp()" + """

            FROM {schedules} s LEFT JOIN {tasks} t ON t.id = s.last_task_id
            WHERE s.name = ?
            FOR UPDATE OF s""";

    private static final String INSERT_TASKS = """
            INSERT INTO {tasks} (id, queue, payload, run_at, metadata)
            SELECT i.id, ?, ?::jsonb, i.slot::timestamptz,
                   jsonb_build_object('apalis.schedule', ?::text, 'apalis.slot', i.slot) || ?::jsonb
            FROM unnest(?::uuid[], ?::text[]) AS i(id, slot)""";

    private static final String ADVANCE = """
            UPDATE {schedules}
            SET next_run_at = ?, last_slot_at = coalesce(?, last_slot_at), last_task_id = coalesce(?, last_task_id),
                last_fired_at = CASE WHEN ? THEN now() ELSE last_fired_at END
            WHERE name = ?""";

    private static final String DISABLE_BROKEN = """
            UPDATE {schedules} SET enabled = false, next_run_at = NULL, updated_at = now() WHERE name = ?""";

    private static final String INSERT = """
            INSERT INTO {schedules} (name, cron, zone, queue, payload, enabled, catch_up, catch_up_limit, overlap,
                                     declared_by, next_run_at)
            VALUES (?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (name) DO NOTHING""";

    private static final String UPDATE = """
            UPDATE {schedules}
            SET cron = ?, zone = ?, queue = ?, payload = ?::jsonb, enabled = ?, catch_up = ?, catch_up_limit = ?,
                overlap = ?, declared_by = coalesce(?, declared_by), next_run_at = ?, updated_at = now()
            WHERE name = ?""";

    private static final String DISABLE_UNDECLARED = """
            UPDATE {schedules} SET enabled = false, next_run_at = NULL, updated_at = now()
            WHERE declared_by = ? AND enabled AND NOT (name = ANY (?::text[]))
            RETURNING name""";

    private static final String PAUSE = """
            UPDATE {schedules} SET paused = true, next_run_at = NULL, updated_at = now() WHERE name = ?""";

    private static final String RESUME = """
            UPDATE {schedules} SET paused = false, next_run_at = ?, updated_at = now() WHERE name = ?""";

    private static final String TRIGGERED = """
            UPDATE {schedules} SET last_task_id = ?, last_fired_at = now() WHERE name = ?""";

    private static final String DELETE = "DELETE FROM {schedules} WHERE name = ?";

    private static final String UNTIL_NEXT_DUE = """
            SELECT extract(epoch FROM min(next_run_at) - clock_timestamp())
            FROM {schedules} WHERE enabled AND NOT paused""";

    private static final String NOTIFY = "SELECT pg_notify(?, ?)";

    private final StorageJdbc db;

    private final PushNotifier pushNotifier;

    private final boolean notifications;

    private final BiFunction<String, Runnable, Backend.Subscription> subscriber;

    /**
     * @param db the storage's database access
     * @param pushNotifier wakes workers after a round's pushes, or {@code null} when notifications are off
     * @param subscriber subscribes to the storage's notifications by key
     */
    PostgresScheduleStore(StorageJdbc db, PushNotifier pushNotifier,
            BiFunction<String, Runnable, Backend.Subscription> subscriber) {
        this.db = db;
        this.pushNotifier = pushNotifier;
        this.notifications = pushNotifier != null;
        this.subscriber = subscriber;
    }

    private String sql(String text) {
        return db.names().expand(text).replace("{schedules}", db.names().quotedSchema() + ".schedules");
    }

    @Override
    public ScheduleState save(Schedule schedule) {
        return db.inTransaction(status -> {
            ScheduleState state = upsert(schedule, null);
            changed(schedule.name());
            return state;
        });
    }

    @Override
    public List<String> declare(String owner, Collection<Schedule> schedules) {
        if (owner == null || owner.isBlank()) {
            throw new IllegalArgumentException("The owner of declared schedules must not be blank");
        }
        return db.inTransaction(status -> {
            List<String> names = new ArrayList<>();
            List<Schedule> byName = new ArrayList<>(schedules);
            byName.sort(java.util.Comparator.comparing(Schedule::name)); // one lock order for every node
            for (Schedule schedule : byName) {
                upsert(schedule, owner);
                names.add(schedule.name());
            }
            List<String> disabled = new ArrayList<>();
            db.jdbc().query(connection -> {
                PreparedStatement ps = connection.prepareStatement(sql(DISABLE_UNDECLARED));
                ps.setString(1, owner);
                ps.setArray(2, SqlArrays.texts(connection, names.toArray(String[]::new)));
                return ps;
            }, rs -> {
                disabled.add(rs.getString(1));
            });
            changed("*");
            return disabled;
        });
    }

    private ScheduleState upsert(Schedule schedule, String owner) {
        Instant now = db.jdbc().queryForObject("SELECT clock_timestamp()", OffsetDateTime.class).toInstant();
        Instant next = schedule.enabled() ? schedule.slots().next(now) : null;
        int inserted = db.jdbc().update(sql(INSERT), schedule.name(), schedule.cron(), schedule.zone().getId(),
                schedule.queue(), schedule.payload(), schedule.enabled(), schedule.catchUp().name(),
                schedule.catchUpLimit(), schedule.overlap().name(), owner, timestamp(next));
        if (inserted == 0) {
            Locked locked = lock(schedule.name()).orElseThrow();
            ScheduleState old = locked.state();
            boolean sameTiming = old.schedule().cron().equals(schedule.cron())
                    && old.schedule().zone().equals(schedule.zone()) && old.active() && old.nextRunAt() != null;
            if (!schedule.enabled()) {
                next = null;
            }
            else if (old.paused()) {
                next = null;
            }
            else if (sameTiming) {
                next = old.nextRunAt();
            }
            else {
                next = schedule.slots().next(locked.now());
            }
            db.jdbc().update(sql(UPDATE), schedule.cron(), schedule.zone().getId(), schedule.queue(), schedule.payload(),
                    schedule.enabled(), schedule.catchUp().name(), schedule.catchUpLimit(), schedule.overlap().name(),
                    owner, timestamp(next), schedule.name());
        }
        return find(schedule.name()).orElseThrow();
    }

    @Override
    public Optional<ScheduleState> find(String name) {
        List<ScheduleState> found = db.jdbc().query(sql(FIND), (rs, row) -> state(rs), name);
        return found.stream().findFirst();
    }

    @Override
    public List<ScheduleState> list() {
        return db.jdbc().query(sql(LIST), (rs, row) -> state(rs));
    }

    @Override
    public boolean pause(String name) {
        return db.inTransaction(status -> {
            boolean found = db.jdbc().update(sql(PAUSE), name) > 0;
            if (found) {
                changed(name);
            }
            return found;
        });
    }

    @Override
    public boolean resume(String name) {
        return db.inTransaction(status -> {
            Optional<Locked> found = lock(name);
            if (found.isEmpty()) {
                return false;
            }
            Locked locked = found.get();
            if (locked.state().paused()) {
                Schedule schedule = locked.state().schedule();
                Instant next = schedule.enabled() ? schedule.slots().next(locked.now()) : null;
                db.jdbc().update(sql(RESUME), timestamp(next), name);
                changed(name);
            }
            return true;
        });
    }

    @Override
    public Optional<TaskId> trigger(String name) {
        return db.inTransaction(status -> {
            Optional<Locked> found = lock(name);
            if (found.isEmpty()) {
                return Optional.<TaskId>empty();
            }
            Schedule schedule = found.get().state().schedule();
            TaskId id = TaskId.next();
            insertTasks(schedule, List.of(id), List.of(found.get().now()), "{\"apalis.triggered\": \"true\"}");
            db.jdbc().update(sql(TRIGGERED), id.value(), name);
            if (pushNotifier != null) {
                pushNotifier.pushed(List.of(schedule.queue()), true);
            }
            return Optional.of(id);
        });
    }

    @Override
    public boolean delete(String name) {
        return db.inTransaction(status -> {
            boolean found = db.jdbc().update(sql(DELETE), name) > 0;
            if (found) {
                changed(name);
            }
            return found;
        });
    }

    @Override
    public List<SlotEvent> fireDue() {
        return db.ownTransaction().execute(status -> {
            List<Due> due = db.jdbc().query(sql(DUE), (rs, row) -> new Due(rs.getString(1), rs, row));
            List<SlotEvent> events = new ArrayList<>();
            List<String> queues = new ArrayList<>();
            for (Due entry : due) {
                if (entry.state == null) {
                    continue;
                }
                fire(entry, events, queues);
            }
            if (!queues.isEmpty() && pushNotifier != null) {
                pushNotifier.pushed(queues, true);
            }
            return events;
        });
    }

    private void fire(Due due, List<SlotEvent> events, List<String> queues) {
        Schedule schedule = due.state.schedule();
        boolean unfinished = due.lastStatus != null && !due.lastStatus.equals("DONE") && !due.lastStatus.equals("KILLED");
        SlotPlan plan = SlotPlan.plan(schedule, due.state.nextRunAt(), due.now, unfinished);
        List<TaskId> ids = new ArrayList<>(plan.fire().size());
        for (int i = 0; i < plan.fire().size(); i++) {
            ids.add(TaskId.next());
        }
        if (!ids.isEmpty()) {
            insertTasks(schedule, ids, plan.fire(), "{}");
            queues.add(schedule.queue());
        }
        Instant lastSlot = plan.fire().isEmpty() ? null : plan.fire().get(plan.fire().size() - 1);
        UUID lastId = ids.isEmpty() ? null : ids.get(ids.size() - 1).value();
        db.jdbc().update(sql(ADVANCE), timestamp(plan.nextRunAt()), timestamp(lastSlot), lastId, !ids.isEmpty(),
                schedule.name());
        for (int i = 0; i < ids.size(); i++) {
            events.add(SlotEvent.pushed(schedule.name(), schedule.queue(), plan.fire().get(i), i < plan.caughtUp(),
                    ids.get(i), due.now));
        }
        if (plan.skipped() > 0) {
            events.add(SlotEvent.skipped(schedule.name(), schedule.queue(), plan.skipped()));
        }
    }

    private void insertTasks(Schedule schedule, List<TaskId> ids, List<Instant> slots, String extraMetadata) {
        UUID[] idValues = new UUID[ids.size()];
        String[] slotTexts = new String[ids.size()];
        for (int i = 0; i < ids.size(); i++) {
            idValues[i] = ids.get(i).value();
            slotTexts[i] = TaskRows.timestamp(slots.get(i));
        }
        db.jdbc().update(connection -> {
            PreparedStatement ps = connection.prepareStatement(sql(INSERT_TASKS));
            ps.setString(1, schedule.queue());
            ps.setString(2, schedule.payload());
            ps.setString(3, schedule.name());
            ps.setString(4, extraMetadata);
            ps.setArray(5, SqlArrays.uuids(connection, idValues));
            ps.setArray(6, SqlArrays.texts(connection, slotTexts));
            return ps;
        });
    }

    @Override
    public Optional<Duration> untilNextDue() {
        Double seconds = db.jdbc().queryForObject(sql(UNTIL_NEXT_DUE), Double.class);
        if (seconds == null) {
            return Optional.empty();
        }
        return Optional.of(Duration.ofNanos((long) (seconds * 1_000_000_000L)));
    }

    @Override
    public Backend.Subscription onChange(Runnable listener) {
        return subscriber.apply(CHANGE_KEY, listener);
    }

    private Optional<Locked> lock(String name) {
        List<Locked> found = db.jdbc().query(sql(LOCK), (rs, row) -> new Locked(state(rs), instant(rs, 16)), name);
        return found.stream().findFirst();
    }

    private void changed(String name) {
        if (notifications) {
            db.jdbc().query(NOTIFY, (ResultSetExtractor<Void>) rs -> null, db.names().channel(), CHANGE_KEY);
        }
    }

    /** Reads a row of {@link #COLUMNS}. */
    private static ScheduleState state(ResultSet rs) throws SQLException {
        Schedule schedule = new Schedule(rs.getString(1), rs.getString(2), ZoneId.of(rs.getString(3)), rs.getString(4),
                rs.getString(5), rs.getBoolean(6), CatchUp.valueOf(rs.getString(8)), rs.getInt(9),
                Overlap.valueOf(rs.getString(10)));
        UUID lastTask = rs.getObject(14, UUID.class);
        return new ScheduleState(schedule, rs.getBoolean(7), rs.getString(11) != null, instant(rs, 12), instant(rs, 13),
                (lastTask != null) ? new TaskId(lastTask) : null, status(rs.getString(15)));
    }

    private static TaskStatus status(String status) {
        if (status == null) {
            return null;
        }
        try {
            return TaskStatus.valueOf(status);
        }
        catch (IllegalArgumentException ex) {
            return TaskStatus.PENDING; // a state that waits, such as SCHEDULED
        }
    }

    private static Instant instant(ResultSet rs, int column) throws SQLException {
        OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
        return (value != null) ? value.toInstant() : null;
    }

    private static OffsetDateTime timestamp(Instant instant) {
        return (instant != null) ? instant.atOffset(ZoneOffset.UTC) : null;
    }

    /** A locked schedule and the database's present time. */
    private record Locked(ScheduleState state, Instant now) {
    }

    /** A due schedule of a round; a row that no longer makes a valid schedule is disabled and has no state. */
    private final class Due {

        final ScheduleState state;

        final String lastStatus;

        final Instant now;

        Due(String name, ResultSet rs, int row) throws SQLException {
            ScheduleState read;
            try {
                read = state(rs);
            }
            catch (IllegalArgumentException | DateTimeException ex) {
                logger.warn("Schedule '" + name + "' is disabled: its stored row no longer makes a valid schedule ("
                        + ex.getMessage() + "). Save it again with valid values to enable it");
                db.jdbc().update(sql(DISABLE_BROKEN), name);
                read = null;
            }
            this.state = read;
            this.lastStatus = rs.getString(15);
            this.now = instant(rs, 16);
        }
    }
}
