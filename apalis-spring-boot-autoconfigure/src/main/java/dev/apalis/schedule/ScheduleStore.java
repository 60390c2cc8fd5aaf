package dev.apalis.schedule;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

import dev.apalis.backend.Backend;
import dev.apalis.task.TaskId;

/**
 * Where schedules are kept and fired. The contract every implementation keeps:
 * <ul>
 * <li><b>Exactly once per slot.</b> {@link #fireDue()} takes a due schedule, pushes the tasks of its
 * slots and advances its next run time as one atomic step, so that however many nodes run rounds at
 * once, each slot is pushed once (or skipped once, by its policies).</li>
 * <li><b>Durable next run time.</b> A schedule's next slot is stored; after a restart of every node the
 * first round finds the slots missed meanwhile and applies the schedule's {@link CatchUp} policy.</li>
 * <li><b>Changes recompute.</b> Saving a schedule with another expression or zone, enabling it or
 * resuming it sets its next slot from the present time (no slots of the past fire for it); saving it
 * with the same timing keeps its next slot.</li>
 * </ul>
 * Implementations are thread-safe.
 */
public interface ScheduleStore {

    /**
     * Creates or changes a schedule (one created this way is not {@link ScheduleState#declared() declared}).
     * @param schedule the schedule
     * @return its stored state
     */
    ScheduleState save(Schedule schedule);

    /**
     * Stores what an application declares (annotations, configuration) at start-up: creates or changes
     * each of these schedules, and disables the schedules that the same owner declared before and no
     * longer does.
     * @param owner who declares them (an application name); other owners' schedules are left alone
     * @param schedules the declared schedules
     * @return the names of the schedules disabled because they are no longer declared
     */
    List<String> declare(String owner, Collection<Schedule> schedules);

    /**
     * A schedule's state.
     * @param name its name
     * @return its state, or empty if there is no such schedule
     */
    Optional<ScheduleState> find(String name);

    /** All schedules, by name. */
    List<ScheduleState> list();

    /**
     * Stops a schedule from firing until {@link #resume(String)}, on every node.
     * @param name its name
     * @return whether there is such a schedule
     */
    boolean pause(String name);

    /**
     * Lets a paused schedule fire again, from its next slot after the present time (the slots of the
     * pause are not caught up).
     * @param name its name
     * @return whether there is such a schedule
     */
    boolean resume(String name);

    /**
     * Pushes a task of the schedule now, outside its slots; its next slot stays.
     * @param name its name
     * @return the pushed task, or empty if there is no such schedule
     */
    Optional<TaskId> trigger(String name);

    /**
     * Deletes a schedule. Its tasks already pushed stay.
     * @param name its name
     * @return whether there was such a schedule
     */
    boolean delete(String name);

    /**
     * Fires the schedules that are due (one round): for each, in one atomic step, pushes the tasks of
     * its slots by its policies and advances its next run time. Schedules another node is firing at
     * the same moment are left to it.
     * @return what became of each due slot
     */
    List<SlotEvent> fireDue();

    /**
     * How long until the earliest next slot of an active schedule, by the store's clock.
     * @return the time left (zero or negative when one is due), or empty if no schedule is active
     */
    Optional<Duration> untilNextDue();

    /**
     * Calls the listener soon after any schedule changes, from any node where the store can tell.
     * @param listener what to call; must return quickly
     * @return a handle that stops the calls when closed
     */
    Backend.Subscription onChange(Runnable listener);
}
