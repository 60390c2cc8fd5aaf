package dev.apalis.benchmarks;

/**
 * Called by a benchmark handler when task number {@code n} starts. Handlers of every system call one,
 * so that they do the same (almost) nothing.
 */
@FunctionalInterface
public interface TaskProbe {

    /** A probe that records nothing, for throughput runs. */
    TaskProbe NONE = n -> {
    };

    void started(int n);

    /** Called when the handler of task number {@code n} returns; most probes ignore it. */
    default void finished(int n) {
    }
}
