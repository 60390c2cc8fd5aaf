package dev.apalis.worker;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import dev.apalis.backend.Backend;
import dev.apalis.backend.Completion;
import dev.apalis.task.TaskId;

/**
 * A worker's completer thread: writes the outcomes of attempts in batches of up to
 * {@value #MAX_COMPLETIONS_PER_BATCH}, emits their events once written, and writes the starts of tasks
 * claimed ahead once they have run for {@link #START_REPORT_DELAY} without an outcome (a task whose
 * outcome is in the same batch is charged by it, with no statement of its own for the start). A
 * written outcome frees the task's place in the worker's claim bound and wakes the fetcher when it
 * has something to do.
 */
final class OutcomeWriter {

    private static final int MAX_COMPLETIONS_PER_BATCH = 512;

    /**
     * How long after its start a task claimed ahead has its start written, if its outcome was not
     * written by then (which charges the attempt at no extra cost). Zero: in the completer's next
     * write, which keeps the window of a start lost to a crash to one write round; a drain measured
     * about one start statement per seven outcome statements, most starts being charged by outcomes
     * of the same batch.
     */
    static final Duration START_REPORT_DELAY = Duration.ZERO;

    /** An outcome with the events it emits once written, or the start of a task claimed ahead. */
    private record Report(Completion completion, WorkerEvent[] events, TaskId started) {

        Report(Completion completion, WorkerEvent[] events) {
            this(completion, events, null);
        }

        Report(TaskId started) {
            this(null, null, started);
        }
    }

    private final Backend backend;

    private final String workerId;

    private final String workerName;

    private final HeldTasks held;

    private final EventEmitter events;

    private final WakeSignal wake;

    /** Wakes the fetcher if few enough claimed tasks wait for a slot (or the worker stops). */
    private final Runnable wakeFetcherIfRefill;

    /** Whether the fetcher has said the worker is idle. */
    private final BooleanSupplier fetcherIdle;

    /** Whether the worker has stopped: the completer ends once nothing is left to write. */
    private final BooleanSupplier stopped;

    private final AtomicInteger unreported = new AtomicInteger();

    private final LinkedBlockingQueue<Report> reports = new LinkedBlockingQueue<>();

    private Thread thread;

    OutcomeWriter(Backend backend, String workerId, String workerName, HeldTasks held, EventEmitter events,
            WakeSignal wake, Runnable wakeFetcherIfRefill, BooleanSupplier fetcherIdle, BooleanSupplier stopped) {
        this.backend = backend;
        this.workerId = workerId;
        this.workerName = workerName;
        this.held = held;
        this.events = events;
        this.wake = wake;
        this.wakeFetcherIfRefill = wakeFetcherIfRefill;
        this.fetcherIdle = fetcherIdle;
        this.stopped = stopped;
    }

    /** Starts the completer thread. */
    void start() {
        thread = WorkerRuntime.daemon("apalis-" + workerName + "-completer").newThread(this::run);
        thread.start();
    }

    /**
     * Waits for the completer to write what is left, then interrupts it if it has not.
     * @param millis how long to wait
     */
    void join(long millis) {
        try {
            thread.join(millis);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            thread.interrupt();
        }
    }

    /** Outcomes handed over and not yet written. */
    int unreported() {
        return unreported.get();
    }

    /**
     * Hands over an attempt's outcome, with the events to emit once it is written.
     * @param completion the outcome
     * @param outcomeEvents the events
     */
    void report(Completion completion, WorkerEvent... outcomeEvents) {
        unreported.incrementAndGet();
        reports.add(new Report(completion, outcomeEvents));
    }

    /**
     * Hands over the start of a task whose claim did not charge its attempt.
     * @param id the task
     */
    void reportStart(TaskId id) {
        reports.add(new Report(id));
    }

    private void run() {
        List<Report> batch = new ArrayList<>(MAX_COMPLETIONS_PER_BATCH);
        // starts not yet written, in the order they happened, with when they were reported
        Map<TaskId, Long> pendingStarts = new LinkedHashMap<>();
        ErrorBackoff errorBackoff = new ErrorBackoff();
        while (true) {
            try {
                if (batch.isEmpty()) {
                    Report first = reports.poll(
                            pendingStarts.isEmpty() ? 100 : Math.max(1, START_REPORT_DELAY.toMillis() / 2),
                            TimeUnit.MILLISECONDS);
                    if (first == null) {
                        writeStarts(pendingStarts, System.nanoTime() - START_REPORT_DELAY.toNanos());
                        if (stopped.getAsBoolean() && reports.isEmpty()) {
                            return;
                        }
                        continue;
                    }
                    batch.add(first);
                    reports.drainTo(batch, MAX_COMPLETIONS_PER_BATCH - 1);
                }
                write(batch, pendingStarts);
                errorBackoff.reset();
                batch.clear();
            }
            catch (InterruptedException ex) {
                warnUnreported(unreported.get());
                return;
            }
            catch (Throwable ex) {
                events.emit(new WorkerEvent.Error(workerName, events.now(), ex));
                try {
                    Thread.sleep(errorBackoff.current().toMillis());
                }
                catch (InterruptedException interrupted) {
                    warnUnreported(unreported.get());
                    return;
                }
                errorBackoff.grow();
            }
        }
    }

    /** Writes one batch; on failure the batch stays as it is, to be written again. */
    private void write(List<Report> batch, Map<TaskId, Long> pendingStarts) {
        List<Completion> completions = new ArrayList<>(batch.size());
        boolean retries = false;
        long now = System.nanoTime();
        for (Report report : batch) {
            if (report.completion() != null) {
                completions.add(report.completion());
                // An outcome charges an unrecorded start itself.
                pendingStarts.remove(report.completion().taskId());
                retries |= report.completion() instanceof Completion.Retry
                        || report.completion() instanceof Completion.Interrupted;
            }
            else {
                pendingStarts.put(report.started(), now);
            }
        }
        writeStarts(pendingStarts, now - START_REPORT_DELAY.toNanos());
        if (!completions.isEmpty()) {
            backend.complete(workerId, completions);
        }
        for (Report report : batch) {
            if (report.completion() != null) {
                held.completed(report.completion().taskId());
                for (WorkerEvent event : report.events()) {
                    events.emit(event);
                }
            }
        }
        int written = completions.size();
        held.uncount(written);
        boolean drained = unreported.addAndGet(-written) == 0 && held.count() == 0 && !fetcherIdle.getAsBoolean();
        if (drained || retries) {
            // The fetcher may be idle (and should say so) or sleeping past a retry's run time.
            wake.wakeUp();
        }
        else {
            wakeFetcherIfRefill.run();
        }
    }

    /** Writes the pending starts reported before {@code reportedBefore}; they stay pending if the write fails. */
    private void writeStarts(Map<TaskId, Long> pendingStarts, long reportedBefore) {
        if (pendingStarts.isEmpty()) {
            return;
        }
        List<TaskId> due = new ArrayList<>();
        for (Map.Entry<TaskId, Long> entry : pendingStarts.entrySet()) {
            if (entry.getValue() - reportedBefore > 0) {
                break;
            }
            due.add(entry.getKey());
        }
        if (!due.isEmpty()) {
            backend.started(workerId, due);
            due.forEach(pendingStarts::remove);
        }
    }

    private void warnUnreported(int count) {
        if (count > 0) {
            WorkerRuntime.logger.warn("Worker '" + workerName + "' stopped with " + count + " outcomes not recorded "
                    + "(the backend did not answer); their tasks stay RUNNING and are put back in the queue after the "
                    + "orphan threshold");
        }
    }
}
