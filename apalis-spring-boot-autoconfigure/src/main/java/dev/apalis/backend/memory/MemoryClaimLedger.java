package dev.apalis.backend.memory;

import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

import dev.apalis.task.TaskId;

/**
 * Who holds each claimed task, since when, and whether its attempt is charged. Not thread-safe: used
 * under the storage's lock.
 */
final class MemoryClaimLedger {

    private final Map<TaskId, String> owners = new HashMap<>();

    /** When each claimed task was claimed. */
    private final Map<TaskId, Instant> claimedAt = new HashMap<>();

    /** Claimed tasks whose attempt is charged (started, or charged by their claim). */
    private final Set<TaskId> charged = new HashSet<>();

    /** How often a task was rescued from a dead worker before its start was recorded. */
    private final Map<TaskId, Integer> unstartedRescues = new HashMap<>();

    /** Records a claim; a charged one has its attempt counted already. */
    void hold(TaskId id, String workerId, Instant now, boolean charge) {
        owners.put(id, workerId);
        claimedAt.put(id, now);
        if (charge) {
            charged.add(id);
        }
    }

    boolean ownedBy(String workerId, TaskId id) {
        return workerId.equals(owners.get(id));
    }

    boolean holdsAny(String workerId) {
        return owners.containsValue(workerId);
    }

    Collection<String> holders() {
        return owners.values();
    }

    void forEachClaim(BiConsumer<TaskId, String> action) {
        owners.forEach(action);
    }

    Instant claimedAt(TaskId id) {
        return claimedAt.get(id);
    }

    /** Ends a claim, leaving its charge; returns the worker that held it. */
    String drop(TaskId id) {
        String owner = owners.remove(id);
        claimedAt.remove(id);
        return owner;
    }

    /** Charges a claimed task's attempt; false if it was charged already. */
    boolean charge(TaskId id) {
        return charged.add(id);
    }

    /** Forgets a task's charge; true if it was charged. */
    boolean uncharge(TaskId id) {
        return charged.remove(id);
    }

    boolean rescuedUnstarted(TaskId id) {
        return unstartedRescues.containsKey(id);
    }

    void countUnstartedRescue(TaskId id) {
        unstartedRescues.merge(id, 1, Integer::sum);
    }

    /** Forgets what a finished task's claims left behind. */
    void settle(TaskId id) {
        unstartedRescues.remove(id);
        charged.remove(id);
    }

    /** Forgets a dropped task. */
    void forget(TaskId id) {
        unstartedRescues.remove(id);
    }
}
