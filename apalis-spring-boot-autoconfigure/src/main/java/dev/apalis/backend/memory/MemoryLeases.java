package dev.apalis.backend.memory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.apalis.task.Task;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskStatus;

/**
 * Workers' heart-beats, and the recovery of the tasks of workers that stopped heart-beating or
 * deregistered and of claims a live worker no longer names. Not thread-safe: used under the storage's lock.
 */
final class MemoryLeases {

    private final MemoryTaskTable table;

    private final MemoryClaimLedger ledger;

    private final MemoryRetention retention;

    private final Duration orphanThreshold;

    private final Map<String, Instant> heartbeats = new HashMap<>();

    /** What each worker named as held at its last heart-beat; absent while it did not say. */
    private final Map<String, Set<TaskId>> held = new HashMap<>();

    /** Workers that deregistered while holding tasks: those are orphans at once. */
    private final Set<String> deregistered = new HashSet<>();

    private Instant lastRescue = Instant.MIN;

    MemoryLeases(MemoryTaskTable table, MemoryClaimLedger ledger, MemoryRetention retention,
            Duration orphanThreshold) {
        this.table = table;
        this.ledger = ledger;
        this.retention = retention;
        this.orphanThreshold = orphanThreshold;
    }

    Duration orphanThreshold() {
        return orphanThreshold;
    }

    void register(String workerId, Instant now) {
        heartbeats.put(workerId, now);
    }

    /** A heart-beat that does not name the worker's tasks; rescues orphans. */
    void heartbeat(String workerId, Instant now) {
        heartbeats.put(workerId, now);
        held.remove(workerId);
        rescueOrphans(now);
    }

    /** A heart-beat that names the tasks the worker holds; rescues orphans and lost claims. */
    void heartbeat(String workerId, Collection<TaskId> heldTasks, Instant now) {
        heartbeats.put(workerId, now);
        held.put(workerId, Set.copyOf(heldTasks));
        rescueOrphans(now);
    }

    void deregister(String workerId) {
        heartbeats.remove(workerId);
        held.remove(workerId);
        if (ledger.holdsAny(workerId)) {
            deregistered.add(workerId);
        }
    }

    /** Rescues orphans if the last look is a third of the orphan threshold old. */
    void rescueIfDue(Instant now) {
        if (!lastRescue.isAfter(now.minus(orphanThreshold.dividedBy(3)))) {
            rescueOrphans(now);
        }
    }

    long rescueOrphans(Instant now) {
        lastRescue = now;
        Instant staleBefore = now.minus(orphanThreshold);
        List<TaskId> orphans = new ArrayList<>();
        List<TaskId> lostClaims = new ArrayList<>();
        ledger.forEachClaim((id, owner) -> {
            Instant last = heartbeats.get(owner);
            Instant claimed = ledger.claimedAt(id);
            if (deregistered.contains(owner)) {
                orphans.add(id);
                return;
            }
            if (!claimed.isBefore(staleBefore)) {
                return; // claimed within the threshold: not an orphan yet, as in PostgresStorage
            }
            if (last == null || last.isBefore(staleBefore)) {
                orphans.add(id);
            }
            else if (held.containsKey(owner) && !held.get(owner).contains(id)
                    && last.isAfter(claimed.plus(orphanThreshold.dividedBy(2)))) {
                lostClaims.add(id);
            }
        });
        for (TaskId id : lostClaims) {
            Task task = table.get(id);
            ledger.drop(id);
            int attempts = ledger.uncharge(id) ? Math.max(0, task.attempts() - 1) : task.attempts();
            table.putBack(task, attempts, task.lastError(), now);
        }
        for (TaskId id : orphans) {
            Task task = table.get(id);
            String owner = ledger.drop(id);
            if (!ledger.uncharge(id)) {
                ledger.countUnstartedRescue(id);
                table.putBack(task, task.attempts(), task.lastError(), now);
                continue;
            }
            table.recordAttemptError(id, task.attempts(), now,
                    "Interrupted: worker " + owner + " stopped heart-beating during this attempt");
            if (task.maxAttempts() > 0 && task.attempts() >= task.maxAttempts()) {
                retention.finish(task, TaskStatus.KILLED, "Gave up after " + task.attempts() + " attempts: its worker "
                        + owner + " stopped heart-beating during the last one", now);
            }
            else {
                table.putBack(task, task.attempts(), "Interrupted: worker " + owner
                        + " stopped heart-beating during attempt " + task.attempts()
                        + "; the task was put back in the queue", now);
            }
        }
        deregistered.retainAll(ledger.holders());
        return orphans.size() + lostClaims.size();
    }
}
