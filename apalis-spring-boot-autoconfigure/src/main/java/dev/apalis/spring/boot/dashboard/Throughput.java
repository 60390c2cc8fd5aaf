package dev.apalis.spring.boot.dashboard;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLongArray;

import dev.apalis.worker.WorkerContext;
import dev.apalis.worker.WorkerEvent;
import dev.apalis.worker.WorkerEventListener;

/**
 * Attempts that ended on this node, in ten-second buckets over the last ten minutes: what the
 * overview's chart shows. Node-local by design: counting every node's finished tasks would read the
 * table on each refresh, while this costs an array write per attempt. Thread-safe, lock-free.
 */
public final class Throughput implements WorkerEventListener {

    /** The width of a bucket. */
    public static final Duration BUCKET = Duration.ofSeconds(10);

    /** How many buckets are kept (ten minutes). */
    public static final int BUCKETS = 60;

    private final Clock clock;

    private final AtomicLongArray succeeded = new AtomicLongArray(BUCKETS);

    private final AtomicLongArray failed = new AtomicLongArray(BUCKETS);

    private final AtomicLongArray stamps = new AtomicLongArray(BUCKETS);

    /**
     * Counts with the system clock.
     */
    public Throughput() {
        this(Clock.systemUTC());
    }

    /**
     * Counts with a clock.
     * @param clock the clock that places attempts in buckets
     */
    public Throughput(Clock clock) {
        this.clock = clock;
    }

    @Override
    public void onEvent(WorkerContext worker, WorkerEvent event) {
        if (event instanceof WorkerEvent.TaskSucceeded) {
            add(this.succeeded);
        }
        else if (event instanceof WorkerEvent.TaskFailed || event instanceof WorkerEvent.TaskKilled) {
            add(this.failed);
        }
    }

    private void add(AtomicLongArray counts) {
        long bucket = bucketNow();
        int slot = (int) (bucket % BUCKETS);
        long stamp = this.stamps.get(slot);
        if (stamp != bucket && this.stamps.compareAndSet(slot, stamp, bucket)) {
            this.succeeded.set(slot, 0);
            this.failed.set(slot, 0);
        }
        counts.incrementAndGet(slot);
    }

    /**
     * The buckets, oldest first, the current (partial) one last.
     * @return {@link #BUCKETS} samples
     */
    public Sample[] samples() {
        long now = bucketNow();
        Sample[] samples = new Sample[BUCKETS];
        for (int i = 0; i < BUCKETS; i++) {
            long bucket = now - (BUCKETS - 1) + i;
            int slot = (int) (Math.floorMod(bucket, BUCKETS));
            boolean current = this.stamps.get(slot) == bucket;
            samples[i] = new Sample(bucket * BUCKET.toMillis(), current ? this.succeeded.get(slot) : 0,
                    current ? this.failed.get(slot) : 0);
        }
        return samples;
    }

    private long bucketNow() {
        return this.clock.millis() / BUCKET.toMillis();
    }

    /**
     * The attempts that ended in one bucket.
     * @param startMillis when the bucket starts, in epoch milliseconds
     * @param succeeded attempts that succeeded
     * @param failed attempts that failed or tasks killed
     */
    public record Sample(long startMillis, long succeeded, long failed) {

        /**
         * Every attempt of the bucket.
         * @return succeeded plus failed
         */
        public long total() {
            return succeeded + failed;
        }
    }
}
