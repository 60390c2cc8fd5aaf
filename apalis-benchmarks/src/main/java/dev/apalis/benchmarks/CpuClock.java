package dev.apalis.benchmarks;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;

/**
 * CPU time used so far by this JVM and by a PostgreSQL server running on this machine (its postmaster
 * and every child process, read from {@code /proc}), so that a diagnosis can say who burns the CPU.
 */
public final class CpuClock {

    private static final long NANOS_PER_TICK = 10_000_000L;

    private CpuClock() {
    }

    /** CPU time of this JVM, in nanoseconds, or -1 if the JVM does not tell. */
    public static long jvmNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return -1;
    }

    /**
     * The parent of a process, such as the postmaster of a backend that is still connected.
     * @param pid the process
     * @return its parent's pid, or -1 without {@code /proc}
     */
    public static long parentOf(long pid) {
        try {
            return stat(Path.of("/proc", Long.toString(pid)))[0];
        }
        catch (IOException | RuntimeException ex) {
            return -1;
        }
    }

    /**
     * CPU time of a PostgreSQL server and its children, in nanoseconds (assuming 100 clock ticks a
     * second, Linux's usual), or -1 without {@code /proc}. Children that exited no longer count.
     * @param postmaster the server's postmaster pid
     * @return the CPU time
     */
    public static long postgresNanos(long postmaster) {
        if (postmaster <= 0) {
            return -1;
        }
        try {
            long ticks = 0;
            try (DirectoryStream<Path> processes = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
                for (Path process : processes) {
                    long pid = Long.parseLong(process.getFileName().toString());
                    try {
                        long[] stat = stat(process);
                        if (pid == postmaster || stat[0] == postmaster) {
                            ticks += stat[1];
                        }
                    }
                    catch (IOException | RuntimeException ex) {
                        // the process ended meanwhile
                    }
                }
            }
            return ticks * NANOS_PER_TICK;
        }
        catch (IOException | RuntimeException ex) {
            return -1;
        }
    }

    /**
     * CPU time of some processes on this machine, such as the PostgreSQL backends of one run's connections,
     * in nanoseconds (100 clock ticks a second assumed); processes that ended count 0.
     * @param pids the processes
     * @return the CPU time, or -1 without {@code /proc}
     */
    public static long processesNanos(Collection<Long> pids) {
        if (!Files.isDirectory(Path.of("/proc"))) {
            return -1;
        }
        long ticks = 0;
        for (long pid : pids) {
            try {
                ticks += stat(Path.of("/proc", Long.toString(pid)))[1];
            }
            catch (IOException | RuntimeException ex) {
                // ended meanwhile
            }
        }
        return ticks * NANOS_PER_TICK;
    }

    /** The parent pid and user plus system ticks of a process. */
    private static long[] stat(Path process) throws IOException {
        String stat = Files.readString(process.resolve("stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        // fields[0] is the state (field 3 of stat); ppid is field 4, utime 14, stime 15.
        return new long[] { Long.parseLong(fields[1]), Long.parseLong(fields[11]) + Long.parseLong(fields[12]) };
    }
}
