package dev.apalis.reliability;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * Measures CPU time over a window: of this JVM as a whole, and of the threads whose names start
 * with a prefix (a worker's fetcher, completer and scheduler, say). A busy loop shows as CPU time
 * close to the wall time of the window; waiting with backoff as almost none.
 */
final class CpuMeter {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private final String[] threadPrefixes;

    private final long startNanos;

    private final long startProcessCpu;

    private final Map<Long, Long> startThreadCpu = new HashMap<>();

    private CpuMeter(String... threadPrefixes) {
        this.threadPrefixes = threadPrefixes;
        this.startNanos = System.nanoTime();
        this.startProcessCpu = processCpuNanos();
        for (Thread thread : matching()) {
            startThreadCpu.put(thread.getId(), Math.max(0, THREADS.getThreadCpuTime(thread.getId())));
        }
    }

    static CpuMeter start(String... threadPrefixes) {
        return new CpuMeter(threadPrefixes);
    }

    /**
     * Ends the window.
     * @return what was used in it
     */
    Usage stop() {
        long wall = System.nanoTime() - startNanos;
        long process = processCpuNanos() - startProcessCpu;
        long threads = 0;
        for (Thread thread : matching()) {
            long now = THREADS.getThreadCpuTime(thread.getId());
            if (now >= 0) {
                threads += now - startThreadCpu.getOrDefault(thread.getId(), 0L);
            }
        }
        return new Usage(Duration.ofNanos(wall), Duration.ofNanos(process), Duration.ofNanos(threads));
    }

    private Iterable<Thread> matching() {
        return Thread.getAllStackTraces().keySet().stream()
            .filter(thread -> {
                for (String prefix : threadPrefixes) {
                    if (thread.getName().startsWith(prefix)) {
                        return true;
                    }
                }
                return false;
            })
            .toList();
    }

    private static long processCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        throw new IllegalStateException("This JVM does not report its process CPU time");
    }

    /**
     * CPU used over a window.
     * @param wall the window's length
     * @param process CPU time of the whole JVM (all threads, JIT and GC included)
     * @param threads CPU time of the measured threads
     */
    record Usage(Duration wall, Duration process, Duration threads) {

        /** The JVM's CPU time as a share of one core over the window. */
        double processShare() {
            return (double) process.toNanos() / wall.toNanos();
        }

        /** The measured threads' CPU time as a share of one core over the window. */
        double threadsShare() {
            return (double) threads.toNanos() / wall.toNanos();
        }

        String describe() {
            return String.format("%.1f%% of a core for the JVM, %.1f%% for the worker threads, over %d ms",
                    processShare() * 100, threadsShare() * 100, wall.toMillis());
        }
    }
}
