package dev.apalis.backend.memory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.apalis.backend.Backend;
import dev.apalis.schedule.Schedule;
import dev.apalis.schedule.ScheduleSlot;
import dev.apalis.schedule.ScheduleState;
import dev.apalis.schedule.ScheduleStore;
import dev.apalis.schedule.SlotEvent;
import dev.apalis.schedule.SlotPlan;
import dev.apalis.task.NewTask;
import dev.apalis.task.Task;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskOptions;
import dev.apalis.task.TaskStatus;

/**
 * The schedules of a {@link MemoryStorage}, in memory and on its clock: the same policies as the
 * PostgreSQL store ({@link SlotPlan}), one lock for every change and round, so that each slot fires
 * once however many threads run rounds. Schedules are lost with the JVM, like the storage's tasks.
 */
final class MemoryScheduleStore implements ScheduleStore {

    private final MemoryStorage storage;

    private final Clock clock;

    /** Guarded by {@code this}. */
    private final Map<String, Row> rows = new TreeMap<>();

    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

    MemoryScheduleStore(MemoryStorage storage, Clock clock) {
        this.storage = storage;
        this.clock = clock;
    }

    @Override
    public ScheduleState save(Schedule schedule) {
        ScheduleState state;
        synchronized (this) {
            state = upsert(schedule, null);
        }
        changed();
        return state;
    }

    @Override
    public List<String> declare(String owner, Collection<Schedule> schedules) {
        if (owner == null || owner.isBlank()) {
            throw new IllegalArgumentException("The owner of declared schedules must not be blank");
        }
        List<String> disabled = new ArrayList<>();
        synchronized (this) {
            Set<String> names = new HashSet<>();
            for (Schedule schedule : schedules) {
                upsert(schedule, owner);
                names.add(schedule.name());
            }
            for (Row row : rows.values()) {
                if (owner.equals(row.declaredBy) && row.schedule.enabled() && !names.contains(row.schedule.name())) {
                    row.schedule = row.schedule.withEnabled(false);
                    row.nextRunAt = null;
                    disabled.add(row.schedule.name());
                }
            }
        }
        changed();
        return disabled;
    }

    private ScheduleState upsert(Schedule schedule, String owner) {
        Instant now = clock.instant();
        Row row = rows.get(schedule.name());
        if (row == null) {
            row = new Row(schedule);
            row.nextRunAt = schedule.enabled() ? schedule.slots().next(now) : null;
            rows.put(schedule.name(), row);
        }
        else {
            boolean sameTiming = row.schedule.cron().equals(schedule.cron()) && row.schedule.zone().equals(schedule.zone())
                    && row.schedule.enabled() && !row.paused && row.nextRunAt != null;
            if (!schedule.enabled() || row.paused) {
                row.nextRunAt = null;
            }
            else if (!sameTiming) {
                row.nextRunAt = schedule.slots().next(now);
            }
            row.schedule = schedule;
        }
        if (owner != null) {
            row.declaredBy = owner;
        }
        return state(row);
    }

    @Override
    public synchronized Optional<ScheduleState> find(String name) {
        Row row = rows.get(name);
        return (row != null) ? Optional.of(state(row)) : Optional.empty();
    }

    @Override
    public synchronized List<ScheduleState> list() {
        List<ScheduleState> states = new ArrayList<>();
        for (Row row : rows.values()) {
            states.add(state(row));
        }
        return states;
    }

    @Override
    public boolean pause(String name) {
        synchronized (this) {
            Row row = rows.get(name);
            if (row == null) {
                return false;
            }
            row.paused = true;
            row.nextRunAt = null;
        }
        changed();
        return true;
    }

    @Override
    public boolean resume(String name) {
        synchronized (this) {
            Row row = rows.get(name);
            if (row == null) {
                return false;
            }
            if (row.paused) {
                row.paused = false;
                row.nextRunAt = row.schedule.enabled() ? row.schedule.slots().next(clock.instant()) : null;
            }
        }
        changed();
        return true;
    }

    @Override
    public synchronized Optional<TaskId> trigger(String name) {
        Row row = rows.get(name);
        if (row == null) {
            return Optional.empty();
        }
        TaskId id = push(row.schedule, List.of(clock.instant()), Map.of(ScheduleSlot.TRIGGERED_KEY, "true")).get(0);
        row.lastTaskId = id;
        return Optional.of(id);
    }

    @Override
    public boolean delete(String name) {
        boolean found;
        synchronized (this) {
            found = rows.remove(name) != null;
        }
        if (found) {
            changed();
        }
        return found;
    }

    @Override
    public synchronized List<SlotEvent> fireDue() {
        Instant now = clock.instant();
        List<SlotEvent> events = new ArrayList<>();
        for (Row row : rows.values()) {
            if (!row.schedule.enabled() || row.paused || row.nextRunAt == null || row.nextRunAt.isAfter(now)) {
                continue;
            }
            Schedule schedule = row.schedule;
            SlotPlan plan = SlotPlan.plan(schedule, row.nextRunAt, now, unfinished(row.lastTaskId));
            if (!plan.fire().isEmpty()) {
                List<TaskId> ids = push(schedule, plan.fire(), Map.of());
                for (int i = 0; i < ids.size(); i++) {
                    events.add(SlotEvent.pushed(schedule.name(), schedule.queue(), plan.fire().get(i), i < plan.caughtUp(),
                            ids.get(i), now));
                }
                row.lastSlotAt = plan.fire().get(plan.fire().size() - 1);
                row.lastTaskId = ids.get(ids.size() - 1);
            }
            if (plan.skipped() > 0) {
                events.add(SlotEvent.skipped(schedule.name(), schedule.queue(), plan.skipped()));
            }
            row.nextRunAt = plan.nextRunAt();
        }
        return events;
    }

    private List<TaskId> push(Schedule schedule, List<Instant> slots, Map<String, String> extra) {
        List<NewTask> tasks = new ArrayList<>(slots.size());
        for (Instant slot : slots) {
            TaskOptions options = TaskOptions.defaults().runAt(slot)
                .metadata(ScheduleSlot.SCHEDULE_KEY, schedule.name())
                .metadata(ScheduleSlot.SLOT_KEY, slot.toString());
            for (Map.Entry<String, String> entry : extra.entrySet()) {
                options = options.metadata(entry.getKey(), entry.getValue());
            }
            tasks.add(new NewTask(schedule.queue(), schedule.payload(), options));
        }
        return storage.pushAll(tasks);
    }

    private boolean unfinished(TaskId id) {
        if (id == null) {
            return false;
        }
        Optional<Task> task = storage.find(id);
        return task.isPresent() && task.get().status() != TaskStatus.DONE && task.get().status() != TaskStatus.KILLED;
    }

    @Override
    public synchronized Optional<Duration> untilNextDue() {
        Instant now = clock.instant();
        Instant earliest = null;
        for (Row row : rows.values()) {
            if (row.schedule.enabled() && !row.paused && row.nextRunAt != null
                    && (earliest == null || row.nextRunAt.isBefore(earliest))) {
                earliest = row.nextRunAt;
            }
        }
        return (earliest != null) ? Optional.of(Duration.between(now, earliest)) : Optional.empty();
    }

    @Override
    public Backend.Subscription onChange(Runnable listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    private void changed() {
        for (Runnable listener : listeners) {
            listener.run();
        }
    }

    private ScheduleState state(Row row) {
        TaskStatus status = null;
        if (row.lastTaskId != null) {
            status = storage.find(row.lastTaskId).map(Task::status).orElse(null);
        }
        return new ScheduleState(row.schedule, row.paused, row.declaredBy != null, row.nextRunAt, row.lastSlotAt,
                row.lastTaskId, status);
    }

    /** A stored schedule. */
    private static final class Row {

        Schedule schedule;

        String declaredBy;

        boolean paused;

        Instant nextRunAt;

        Instant lastSlotAt;

        TaskId lastTaskId;

        Row(Schedule schedule) {
            this.schedule = schedule;
        }
    }
}
