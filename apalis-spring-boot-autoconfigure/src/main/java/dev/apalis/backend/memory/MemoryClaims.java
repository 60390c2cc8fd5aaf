package dev.apalis.backend.memory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.OptionalInt;

import dev.apalis.backend.ClaimRequest;
import dev.apalis.backend.Completion;
import dev.apalis.task.Task;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskStatus;

/**
 * Claims of due tasks, the recording of their starts, their completions and their releases, each
 * charging an attempt once. Not thread-safe: used under the storage's lock.
 */
final class MemoryClaims {

    private final MemoryTaskTable table;

    private final MemoryClaimLedger ledger;

    private final MemoryRetention retention;

    MemoryClaims(MemoryTaskTable table, MemoryClaimLedger ledger, MemoryRetention retention) {
        this.table = table;
        this.ledger = ledger;
        this.retention = retention;
    }

    /**
     * Claims up to the request's maximum of a queue's due tasks, in claim order; with a priority bound,
     * only those before it (the ready tasks are sorted by priority first, so the first one past the
     * bound ends the claim).
     */
    List<Task> claim(ClaimRequest request, MemoryQueue state, Instant now) {
        int max = request.max();
        OptionalInt below = request.priorityBelow();
        state.promoteDue(now);
        List<Task> claimed = new ArrayList<>(Math.min(max, state.ready.size()));
        while (claimed.size() < max && !state.ready.isEmpty()
                && (below.isEmpty() || state.ready.first().priority() < below.getAsInt())) {
            Task task = state.ready.pollFirst();
            boolean charge = claimed.size() < request.startingNow() || ledger.rescuedUnstarted(task.id());
            int maxAttempts = (task.maxAttempts() == 0) ? request.maxAttempts() : task.maxAttempts();
            Task running = new Task(task.id(), task.queue(), task.payload(), TaskStatus.RUNNING,
                    task.attempts() + (charge ? 1 : 0), maxAttempts, task.priority(), task.runAt(), task.lastError(),
                    task.uniqueKey(), task.metadata(), task.createdAt(), null);
            table.put(running);
            ledger.hold(task.id(), request.workerId(), now, charge);
            if (charge) {
                claimed.add(running);
            }
            else {
                claimed.add(withAttempts(running, running.attempts() + 1));
            }
        }
        return claimed;
    }

    void started(String workerId, Collection<TaskId> ids) {
        for (TaskId id : ids) {
            if (ledger.ownedBy(workerId, id) && ledger.charge(id)) {
                table.put(withAttempts(table.get(id), table.get(id).attempts() + 1));
            }
        }
    }

    void complete(String workerId, Collection<Completion> completions, Instant now) {
        for (Completion completion : completions) {
            TaskId id = completion.taskId();
            if (!ledger.ownedBy(workerId, id)) {
                continue;
            }
            ledger.drop(id);
            if (completion instanceof Completion.Interrupted interrupted) {
                Task task = table.get(id);
                int attempts = ledger.uncharge(id) ? Math.max(0, task.attempts() - 1) : task.attempts();
                table.putBack(task, attempts, interrupted.reason(), now);
                continue;
            }
            Task task = charge(table.get(id));
            if (completion instanceof Completion.Done) {
                retention.finish(task, TaskStatus.DONE, null, now);
            }
            else if (completion instanceof Completion.Kill kill) {
                table.recordAttemptError(id, task.attempts(), now, kill.error());
                retention.finish(task, TaskStatus.KILLED, kill.error(), now);
            }
            else if (completion instanceof Completion.Retry retry) {
                table.recordAttemptError(id, task.attempts(), now, retry.error());
                Task failed = new Task(id, task.queue(), task.payload(), TaskStatus.FAILED, task.attempts(),
                        task.maxAttempts(), task.priority(), now.plus(retry.delay()), retry.error(),
                        task.uniqueKey(), task.metadata(), task.createdAt(), null);
                table.put(failed);
                table.queue(task.queue()).add(failed, now);
            }
        }
    }

    /**
     * Puts a worker's claimed tasks back as they were, uncharged.
     * @return the queue of each task released, to wake their workers
     */
    List<String> release(String workerId, Collection<TaskId> ids, Instant now) {
        List<String> queues = new ArrayList<>();
        for (TaskId id : ids) {
            if (!ledger.ownedBy(workerId, id)) {
                continue;
            }
            ledger.drop(id);
            Task task = table.get(id);
            int attempts = ledger.uncharge(id) ? Math.max(0, task.attempts() - 1) : task.attempts();
            Task pending = new Task(id, task.queue(), task.payload(), TaskStatus.PENDING,
                    attempts, task.maxAttempts(), task.priority(), task.runAt(),
                    task.lastError(), task.uniqueKey(), task.metadata(), task.createdAt(), null);
            table.put(pending);
            table.queue(task.queue()).add(pending, now);
            queues.add(task.queue());
        }
        return queues;
    }

    /** Charges a completed task's attempt if its start was not recorded; forgets its charge either way. */
    private Task charge(Task task) {
        return ledger.uncharge(task.id()) ? task : withAttempts(task, task.attempts() + 1);
    }

    private static Task withAttempts(Task task, int attempts) {
        return new Task(task.id(), task.queue(), task.payload(), task.status(), attempts, task.maxAttempts(),
                task.priority(), task.runAt(), task.lastError(), task.uniqueKey(), task.metadata(), task.createdAt(),
                task.finishedAt());
    }
}
