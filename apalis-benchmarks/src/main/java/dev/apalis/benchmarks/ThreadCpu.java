package dev.apalis.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * CPU time of this JVM's live threads, grouped by name with numbers replaced by {@code #} (so that a
 * pool's threads add up), to tell which threads burn the CPU between two snapshots. Threads that ended
 * in between are missed; JIT compiler and GC threads are not Java threads and are not seen.
 */
public final class ThreadCpu {

    private final Map<Long, Long> cpuById;

    private final Map<Long, String> groupById;

    private ThreadCpu(Map<Long, Long> cpuById, Map<Long, String> groupById) {
        this.cpuById = cpuById;
        this.groupById = groupById;
    }

    /** Takes a snapshot. */
    public static ThreadCpu snapshot() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        Map<Long, Long> cpu = new HashMap<>();
        Map<Long, String> groups = new HashMap<>();
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info == null) {
                continue;
            }
            long time = threads.getThreadCpuTime(info.getThreadId());
            if (time >= 0) {
                cpu.put(info.getThreadId(), time);
                groups.put(info.getThreadId(), info.getThreadName().replaceAll("\\d+", "#"));
            }
        }
        return new ThreadCpu(cpu, groups);
    }

    /**
     * CPU used since an earlier snapshot, by thread group, largest first.
     * @param earlier the earlier snapshot
     * @return nanoseconds by group
     */
    public Map<String, Long> since(ThreadCpu earlier) {
        Map<String, Long> byGroup = new HashMap<>();
        cpuById.forEach((id, time) -> {
            long used = time - earlier.cpuById.getOrDefault(id, 0L);
            if (used > 0) {
                byGroup.merge(groupById.get(id), used, Long::sum);
            }
        });
        Map<String, Long> sorted = new LinkedHashMap<>();
        byGroup.entrySet()
            .stream()
            .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
            .forEach(entry -> sorted.put(entry.getKey(), entry.getValue()));
        return sorted;
    }
}
