package dev.apalis.benchmarks;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Pushes tasks {@code 0..count-1} from several threads, in slices of a given size that the threads take
 * in turn, and times it: the rate of the whole, and the time of each call for its 99th percentile.
 */
public final class ParallelPush {

    /** Stores tasks {@code from} (inclusive) to {@code to} (exclusive), in one call or one by one. */
    @FunctionalInterface
    public interface Slice {

        void push(int from, int to) throws Exception;
    }

    private ParallelPush() {
    }

    /**
     * Pushes every task and returns the rate.
     * @param count how many tasks
     * @param threads how many pushing threads
     * @param sliceSize tasks per slice (1 for single pushes)
     * @param slice what pushes a slice
     * @return tasks per second, from the first push to the last
     * @throws Exception the first failure of a pushing thread
     */
    public static double run(int count, int threads, int sliceSize, Slice slice) throws Exception {
        return timed(count, threads, sliceSize, slice).rate();
    }

    /**
     * Pushes every task and returns the rate and the 99th percentile of the time of one call.
     * @param count how many tasks
     * @param threads how many pushing threads
     * @param sliceSize tasks per slice (1 for single pushes)
     * @param slice what pushes a slice
     * @return the rate and the call times
     * @throws Exception the first failure of a pushing thread
     */
    public static Timed timed(int count, int threads, int sliceSize, Slice slice) throws Exception {
        AtomicInteger next = new AtomicInteger();
        long[] callNanos = new long[(count + sliceSize - 1) / sliceSize];
        ExecutorService pool = Executors.newFixedThreadPool(threads, runnable -> {
            Thread thread = new Thread(runnable, "bench-push");
            thread.setDaemon(true);
            return thread;
        });
        try {
            long start = System.nanoTime();
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                futures.add(pool.submit(() -> {
                    int from;
                    while ((from = next.getAndAdd(sliceSize)) < count) {
                        long called = System.nanoTime();
                        slice.push(from, Math.min(count, from + sliceSize));
                        callNanos[from / sliceSize] = System.nanoTime() - called;
                    }
                    return null;
                }));
            }
            for (Future<?> future : futures) {
                try {
                    future.get();
                }
                catch (ExecutionException ex) {
                    throw (ex.getCause() instanceof Exception cause) ? cause : ex;
                }
            }
            double rate = Rates.perSecond(count, start, System.nanoTime());
            Arrays.sort(callNanos);
            int p99 = Math.min(callNanos.length - 1, (int) Math.ceil(callNanos.length * 0.99) - 1);
            return new Timed(rate, callNanos[Math.max(0, p99)] / 1_000_000.0);
        }
        finally {
            pool.shutdownNow();
        }
    }

    /**
     * What a timed push run measured.
     * @param rate tasks per second, from the first push to the last
     * @param p99Millis the 99th percentile of the time of one call, in milliseconds
     */
    public record Timed(double rate, double p99Millis) {
    }
}
