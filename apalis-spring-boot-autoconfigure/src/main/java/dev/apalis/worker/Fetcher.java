package dev.apalis.worker;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import dev.apalis.backend.Backend;
import dev.apalis.backend.ClaimRequest;
import dev.apalis.task.Task;

/**
 * A worker's fetcher thread: claims tasks for its free slots and, see {@link ClaimAhead}, ahead of
 * them, hands them to the {@link Dispatcher}, and waits for wake-ups (a push, a freed slot, a written
 * outcome), the next run time the backend reports, or the poll interval. While paused it releases what
 * waits; while heart-beats are fenced it claims nothing. When the worker stops, it runs the stop.
 * <p>
 * While it is full, a push's wake-up makes it claim only the pushed tasks more urgent than every task
 * claimed ahead (see {@link UrgentClaim}), which then start before them.
 * <p>
 * A run time the backend reported holds until a claim is sent at or after it, and the claim aimed at
 * it is sent no earlier than the backend's own clock allows: a claim that arrived early would come back
 * empty, and a look-up after the run time no longer reports the task that became due meanwhile.
 */
final class Fetcher {

    private final WorkerRuntime worker;

    private final WorkerSettings settings;

    private final Backend backend;

    private final String workerId;

    private final HeldTasks held;

    private final Dispatcher dispatcher;

    private final OutcomeWriter outcomes;

    private final Heartbeats heartbeats;

    private final RateLimiter rateLimiter;

    private final WakeSignal wake;

    /** How many tasks to claim ahead of free slots. */
    private final ClaimAhead claimAhead;

    /** The claim of pushed tasks more urgent than those claimed ahead, sent while the worker is full. */
    private final UrgentClaim urgent;

    /** Whether the worker said it is idle and has claimed nothing since. */
    private volatile boolean idle;

    /** The pause after a failed round; back to its shortest after a claim that worked. */
    private final ErrorBackoff errorBackoff = new ErrorBackoff();

    /**
     * When (on {@link System#nanoTime()}) the earliest run time that a look-up reported comes, if
     * {@code dueKnown}: a claim sent then finds that task due.
     */
    private long dueAtNanos;

    /** Whether {@code dueAtNanos} holds a run time that no claim sent since has covered. */
    private boolean dueKnown;

    private Thread thread;

    Fetcher(WorkerRuntime worker, WorkerSettings settings, String workerId, HeldTasks held, Dispatcher dispatcher,
            OutcomeWriter outcomes, Heartbeats heartbeats, RateLimiter rateLimiter, WakeSignal wake) {
        this.worker = worker;
        this.settings = settings;
        this.backend = settings.backend();
        this.workerId = workerId;
        this.held = held;
        this.dispatcher = dispatcher;
        this.outcomes = outcomes;
        this.heartbeats = heartbeats;
        this.rateLimiter = rateLimiter;
        this.wake = wake;
        this.claimAhead = (settings.prefetch() != null) ? ClaimAhead.fixed(settings.prefetch()) : ClaimAhead.adaptive();
        this.urgent = new UrgentClaim(settings, workerId, held, dispatcher, rateLimiter);
    }

    /** The backend announced a push (or a release) to the queue: wakes the fetcher, which looks for urgent tasks. */
    void pushed() {
        urgent.pushed();
        wake.wakeUp();
    }

    /** Starts the fetcher thread. */
    void start() {
        thread = WorkerRuntime.daemon("apalis-" + settings.name() + "-fetcher").newThread(this::run);
        thread.start();
    }

    /** Whether the worker said it is idle and has claimed nothing since. */
    boolean isIdle() {
        return idle;
    }

    private void run() {
        while (worker.accepting()) {
            try {
                fetchOnce();
            }
            catch (Throwable ex) {
                if (!worker.accepting()) {
                    break;
                }
                worker.emit(new WorkerEvent.Error(settings.name(), worker.now(), ex));
                awaitWake(errorBackoff.current().toNanos());
                errorBackoff.grow();
            }
        }
        worker.shutDown();
    }

    /** One round: claim what fits, or wait for a reason to. */
    private void fetchOnce() {
        if (worker.isPaused()) {
            dispatcher.releaseWaiting();
            awaitWake(settings.pollInterval().toNanos());
            return;
        }
        if (!heartbeats.allowStarts(System.nanoTime())) {
            // Heart-beats failed for the orphan threshold: claim nothing until one works again.
            awaitWake(settings.pollInterval().toNanos());
            return;
        }
        dispatcher.startWaiting();
        int ahead = claimAhead.tasks();
        int refillAt = ahead / 2;
        dispatcher.refillAt(refillAt);
        int wanted = settings.concurrency() + ahead - held.count();
        if (rateLimiter != null) {
            // Claim no more than the permits free now can start: claimed tasks must not wait for permits.
            wanted = Math.min(wanted, rateLimiter.available(System.nanoTime()) - dispatcher.waitingSize());
        }
        if (wanted <= 0 || dispatcher.waitingSize() > refillAt) {
            // Full, or enough tasks wait for slots: claim later, in one larger batch; only tasks pushed more
            // urgent than every waiting one are claimed now.
            urgent.claimIfPushed(ahead);
            awaitWake(nanosUntilSlotOrPermit());
            return;
        }
        urgent.covered();
        int waitingAtSend = dispatcher.waitingSize();
        long finishedAtSend = dispatcher.finished();
        // The tasks that take the slots free now are charged by the claim; the rest when they start.
        int startingNow = Math.max(0, Math.min(wanted, settings.concurrency() - dispatcher.active() - waitingAtSend));
        long sentAt = System.nanoTime();
        List<Task> tasks = backend.claim(new ClaimRequest(settings.queue(), workerId, wanted, startingNow,
                settings.retryPolicy().maxAttempts()));
        if (dueKnown && sentAt - dueAtNanos >= 0) {
            // This claim was sent at or after the known run time: it saw that task if it was still there.
            dueKnown = false;
        }
        claimAhead.claimed(waitingAtSend, dispatcher.finished() - finishedAtSend, tasks.size() == wanted);
        errorBackoff.reset();
        if (!tasks.isEmpty()) {
            idle = false;
            held.claimed(tasks);
            dispatcher.add(tasks, startingNow);
            dispatcher.startWaiting();
        }
        if (tasks.size() < wanted) {
            waitForWork(tasks.isEmpty());
        }
    }

    /**
     * Nothing to claim now: a freed slot wakes the fetcher, and with a rate limit that has no free
     * permit, so does the next permit (a waiting task may lack only that).
     */
    private long nanosUntilSlotOrPermit() {
        long wait = settings.pollInterval().toNanos();
        if (rateLimiter != null) {
            long now = System.nanoTime();
            if (rateLimiter.available(now) == 0) {
                wait = Math.min(wait, Math.max(1, rateLimiter.nanosUntilNextPermit(now)));
            }
        }
        return wait;
    }

    /** The queue has no more due tasks: wait for a push, the poll interval, or the next run time. */
    private void waitForWork(boolean nothingClaimed) {
        if (nothingClaimed && held.count() == 0 && outcomes.unreported() == 0 && !idle) {
            idle = true;
            worker.emit(new WorkerEvent.Idle(settings.name(), worker.now()));
        }
        long waitNanos = settings.pollInterval().toNanos();
        Optional<Duration> next = backend.nextRunIn(settings.queue());
        long answeredAt = System.nanoTime();
        if (next.isPresent()) {
            // The backend measured from its "now", before its answer arrived: a claim sent this long after
            // the answer arrives at or after the run time as the backend sees it, never before it (a claim
            // that came early would find nothing, and the next look-up no longer sees a future task).
            long dueAt = answeredAt + next.get().toNanos();
            if (!dueKnown || dueAt - dueAtNanos < 0) {
                dueAtNanos = dueAt;
                dueKnown = true;
            }
        }
        if (dueKnown) {
            // An earlier look-up's run time holds until a claim sent after it: a look-up that reached the
            // backend after that time no longer reports the task, now due, that the last claim missed.
            waitNanos = Math.max(0, Math.min(waitNanos, dueAtNanos - answeredAt));
        }
        if (waitNanos > 0) {
            awaitWake(waitNanos);
        }
    }

    private void awaitWake(long nanos) {
        wake.await(nanos, worker::accepting);
    }
}
