package dev.apalis.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.List;

/**
 * Watches the heap while it is open: every 10 ms it samples the heap in use (live objects and garbage not
 * yet collected) and the heap left after the last collection of each pool (live objects), and keeps the
 * peaks. The JVM's own per-pool peaks are reset at the start and summed at the end as a third, upper,
 * figure.
 */
public final class HeapSampler implements AutoCloseable {

    private static final long SAMPLE_MILLIS = 10;

    private final List<MemoryPoolMXBean> heapPools;

    private final Thread thread;

    private volatile boolean running = true;

    private volatile long peakUsed;

    private volatile long peakAfterCollection;

    private HeapSampler() {
        this.heapPools = ManagementFactory.getMemoryPoolMXBeans()
            .stream()
            .filter(pool -> pool.getType() == MemoryType.HEAP && pool.isValid())
            .toList();
        heapPools.forEach(MemoryPoolMXBean::resetPeakUsage);
        this.thread = new Thread(this::sample, "bench-heap-sampler");
        this.thread.setDaemon(true);
    }

    /** Resets the peaks and starts sampling. */
    public static HeapSampler start() {
        HeapSampler sampler = new HeapSampler();
        sampler.thread.start();
        return sampler;
    }

    private void sample() {
        while (running) {
            long used = 0;
            long afterCollection = 0;
            for (MemoryPoolMXBean pool : heapPools) {
                used += pool.getUsage().getUsed();
                MemoryUsage collected = pool.getCollectionUsage();
                if (collected != null) {
                    afterCollection += collected.getUsed();
                }
            }
            peakUsed = Math.max(peakUsed, used);
            peakAfterCollection = Math.max(peakAfterCollection, afterCollection);
            try {
                Thread.sleep(SAMPLE_MILLIS);
            }
            catch (InterruptedException ex) {
                return;
            }
        }
    }

    /** The highest heap in use seen, garbage included, in bytes. */
    public long peakUsedBytes() {
        return peakUsed;
    }

    /** The highest heap seen right after a collection (what was live), in bytes. */
    public long peakAfterCollectionBytes() {
        return peakAfterCollection;
    }

    /** The sum of the heap pools' own peaks since the start (an upper bound: pools peak at different times). */
    public long sumOfPoolPeaksBytes() {
        return heapPools.stream().mapToLong(pool -> pool.getPeakUsage().getUsed()).sum();
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.interrupt();
        thread.join();
    }
}
