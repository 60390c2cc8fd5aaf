package dev.apalis.benchmarks.jobrunr;

import dev.apalis.benchmarks.TaskProbe;

/**
 * The job JobRunr runs: a static method, so that JobRunr needs no job activator, that tells the current
 * probe which task started. JobRunr stores a job as a method call, so the probe can only be reached
 * through a static field; one JobRunr scenario runs at a time.
 */
public final class JobRunrNoop {

    private static volatile TaskProbe probe = TaskProbe.NONE;

    private JobRunrNoop() {
    }

    static void probe(TaskProbe current) {
        probe = (current != null) ? current : TaskProbe.NONE;
    }

    /**
     * The job.
     * @param n the task's number
     */
    public static void run(Integer n) {
        probe.started(n);
    }
}
