package dev.apalis.worker;

/**
 * How many tasks a worker claims ahead of its free slots (its prefetch), either fixed or adaptive.
 * <p>
 * Adaptive, it starts at 0 and follows what each claim shows: when tasks finished while the claim was
 * in flight and found no claimed task waiting for their slot, the handlers waited for the database,
 * so it doubles (plus one, up to {@link #ADAPTIVE_MAX}) if the claim came back full; when fewer than
 * half of the tasks that waited as the claim was sent were started before it came back, they were
 * claimed too early, so it shrinks by a quarter; when a claim comes back short, the queue has run
 * dry, so it falls back to 0. A worker of short tasks thus claims in large batches, which is what the
 * database rewards, and a worker of long tasks claims for its free slots only, which leaves the
 * queue's other tasks to other nodes.
 * <p>
 * Used by the worker's fetcher thread only; not thread-safe.
 */
final class ClaimAhead {

    /**
     * The most tasks an adaptive prefetch claims ahead. It is reached only by workers whose handlers
     * finish faster than claims return; there, a claim's round trip and commit cost about as much as
     * 70 to 80 of its rows, so larger batches drain a deep queue faster (measured in docs/benchmarks.md,
     * "Prefetch up to 1,024").
     */
    static final int ADAPTIVE_MAX = 1024;

    private final boolean adaptive;

    private int tasks;

    private ClaimAhead(boolean adaptive, int tasks) {
        this.adaptive = adaptive;
        this.tasks = tasks;
    }

    /**
     * Always the same number of tasks ahead.
     * @param tasks 0 or more
     * @return the prefetch
     */
    static ClaimAhead fixed(int tasks) {
        if (tasks < 0) {
            throw new IllegalArgumentException("prefetch must be 0 or more, was " + tasks);
        }
        return new ClaimAhead(false, tasks);
    }

    /**
     * Starts at 0 and adapts to what the claims show, up to {@link #ADAPTIVE_MAX}.
     * @return the prefetch
     */
    static ClaimAhead adaptive() {
        return new ClaimAhead(true, 0);
    }

    /**
     * How many tasks to hold beyond the free slots now.
     * @return 0 or more
     */
    int tasks() {
        return tasks;
    }

    /**
     * Learns from one claim.
     * @param waitingAtSend claimed tasks that waited for a slot when the claim was sent
     * @param finishedDuring tasks that finished while the claim was in flight
     * @param full whether the claim returned as many tasks as it asked for
     */
    void claimed(int waitingAtSend, long finishedDuring, boolean full) {
        if (!adaptive) {
            return;
        }
        if (!full) {
            tasks = 0;
        }
        else if (finishedDuring > waitingAtSend) {
            tasks = Math.min(ADAPTIVE_MAX, tasks * 2 + 1);
        }
        else if (finishedDuring * 2 < waitingAtSend) {
            tasks -= (tasks + 3) / 4;
        }
    }

    @Override
    public String toString() {
        return (adaptive ? "adaptive prefetch, now " : "prefetch ") + tasks;
    }
}
