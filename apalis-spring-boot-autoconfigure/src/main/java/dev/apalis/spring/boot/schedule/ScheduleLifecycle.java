package dev.apalis.spring.boot.schedule;

import java.util.List;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.context.SmartLifecycle;

import dev.apalis.schedule.Schedule;
import dev.apalis.schedule.ScheduleRunner;
import dev.apalis.schedule.ScheduleStore;
import dev.apalis.schedule.SlotEvent;
import dev.apalis.schedule.SlotListener;
import dev.apalis.spring.boot.WorkerLifecycle;

/**
 * Runs this node's schedule loop with the application: once the singletons exist it reads the declared
 * schedules (failing start-up on invalid ones); on start it stores them under the application's name
 * (disabling the ones this application declared before and no longer does) and starts the loop; on
 * stop it ends the loop. Its phase is just after the workers', so the loop starts after them and stops
 * before them.
 */
public final class ScheduleLifecycle implements SmartLifecycle, SmartInitializingSingleton {

    private static final Log logger = LogFactory.getLog(ScheduleLifecycle.class);

    /** The lifecycle phase: right after the workers'. */
    public static final int PHASE = WorkerLifecycle.PHASE + 1;

    private final ScheduleStore store;

    private final String owner;

    private final java.util.function.Supplier<List<Schedule>> declarations;

    private final List<SlotListener> listeners;

    private volatile List<Schedule> declared = List.of();

    private volatile ScheduleRunner runner;

    /**
     * @param store where schedules are kept
     * @param owner the application's name, under which its declarations are stored
     * @param declarations reads the declared schedules (called once the singletons exist)
     * @param listeners told what each round did
     */
    public ScheduleLifecycle(ScheduleStore store, String owner, java.util.function.Supplier<List<Schedule>> declarations,
            List<SlotListener> listeners) {
        this.store = store;
        this.owner = owner;
        this.declarations = declarations;
        this.listeners = List.copyOf(listeners);
    }

    @Override
    public void afterSingletonsInstantiated() {
        this.declared = declarations.get();
    }

    /** The schedules this application declares (after start-up). */
    public List<Schedule> declared() {
        return declared;
    }

    @Override
    public void start() {
        List<String> disabled = store.declare(owner, declared);
        for (String name : disabled) {
            logger.warn("Schedule '" + name + "' was declared by application '" + owner + "' and no longer is: it is "
                    + "now disabled (its row and history stay; delete it with TaskSchedules.delete)");
        }
        if (!declared.isEmpty()) {
            logger.info("Apalis schedules declared by '" + owner + "': "
                    + String.join(", ", declared.stream().map(Schedule::name).toList()));
        }
        this.runner = ScheduleRunner.start(store, this::report);
    }

    private void report(List<SlotEvent> events) {
        for (SlotListener listener : listeners) {
            try {
                listener.slots(events);
            }
            catch (RuntimeException ex) {
                logger.warn("Schedule listener " + listener + " failed", ex);
            }
        }
    }

    @Override
    public void stop() {
        ScheduleRunner running = this.runner;
        this.runner = null;
        if (running != null) {
            running.close();
        }
    }

    @Override
    public boolean isRunning() {
        return runner != null;
    }

    @Override
    public int getPhase() {
        return PHASE;
    }
}
