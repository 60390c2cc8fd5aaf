package dev.apalis.worker;

import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.apalis.backend.ClaimRequest;
import dev.apalis.task.Task;

/**
 * The claim a busy worker sends when a task is pushed to its queue. A worker that holds tasks claimed
 * ahead claims again only once half of them have started, so a task pushed meanwhile with a more urgent
 * priority would wait for that refill; instead, at the push's wake-up, the fetcher claims only the tasks
 * of a priority number below that of every waiting task, which then start before them.
 * <p>
 * Wake-ups that come before the fetcher looks give one claim. It takes at most {@code concurrency}
 * tasks, and only while the worker holds no more than its bound (concurrency + prefetch) plus that:
 * the tasks it takes start at the next free slots, so it may hold them beyond the bound, and the
 * ordinary claims wait until the worker is back under it. With a rate limit it takes no more than the
 * free permits can start, as the ordinary claims do. With no urgent task it costs one index probe.
 * <p>
 * The flag is set by the subscription's thread; the claim runs on the fetcher's thread only.
 */
final class UrgentClaim {

    private final WorkerSettings settings;

    private final String workerId;

    private final HeldTasks held;

    private final Dispatcher dispatcher;

    private final RateLimiter rateLimiter;

    /** Whether a push was announced since the fetcher last looked, or last sent a claim of any priority. */
    private final AtomicBoolean pushed = new AtomicBoolean();

    UrgentClaim(WorkerSettings settings, String workerId, HeldTasks held, Dispatcher dispatcher,
            RateLimiter rateLimiter) {
        this.settings = settings;
        this.workerId = workerId;
        this.held = held;
        this.dispatcher = dispatcher;
        this.rateLimiter = rateLimiter;
    }

    /** A push (or a release) to the queue was announced; the caller wakes the fetcher next. */
    void pushed() {
        pushed.set(true);
    }

    /** A claim of any priority is being sent: it takes the pushed tasks in priority order anyway. */
    void covered() {
        pushed.set(false);
    }

    /**
     * Claims the pushed tasks more urgent than every waiting one, if a push came since the last look and
     * tasks wait.
     * @param ahead how many tasks the worker claims ahead of its slots now
     */
    void claimIfPushed(int ahead) {
        if (!pushed.getAndSet(false)) {
            return;
        }
        OptionalInt next = dispatcher.nextPriority();
        if (next.isEmpty()) {
            return;
        }
        int concurrency = settings.concurrency();
        int max = Math.min(concurrency, 2 * concurrency + ahead - held.count());
        int waiting = dispatcher.waitingSize();
        if (rateLimiter != null) {
            max = Math.min(max, rateLimiter.available(System.nanoTime()) - waiting);
        }
        if (max <= 0) {
            return;
        }
        int startingNow = Math.max(0, Math.min(max, concurrency - dispatcher.active() - waiting));
        List<Task> tasks = settings.backend().claim(new ClaimRequest(settings.queue(), workerId, max, startingNow,
                settings.retryPolicy().maxAttempts(), next));
        if (!tasks.isEmpty()) {
            held.claimed(tasks);
            dispatcher.add(tasks, startingNow);
            dispatcher.startWaiting();
        }
    }
}
