package dev.apalis.benchmarks;

/**
 * One row of a soak: what happened during one window (a minute by default).
 *
 * @param index the window's number, from 1
 * @param endSeconds seconds from the soak's start to the window's end
 * @param pushedPerSecond tasks pushed, single and batched together
 * @param singlePushedPerSecond of which pushed one per call
 * @param ackedPerSecond tasks run and acknowledged
 * @param startP50Ms push call to handler start, median of the tasks that started in the window
 * @param startP99Ms the same, 99th percentile
 * @param startMaxMs the same, largest
 * @param singleStartP99Ms the 99th percentile of the tasks pushed one per call alone (a batch's last tasks
 * wait for its first ones, so batches raise the overall figure)
 * @param backlog tasks pushed and not yet acknowledged at the window's end
 * @param sizes the tasks table at the window's end
 * @param postgresCores CPU of the run's PostgreSQL backends (its pool's connections; not autovacuum nor the
 * WAL writer) during the window, in cores (-1 when it cannot be read)
 * @param jvmCores CPU of this JVM (pushers and worker) during the window, in cores
 */
public record SoakWindow(int index, double endSeconds, double pushedPerSecond, double singlePushedPerSecond,
        double ackedPerSecond, double startP50Ms, double startP99Ms, double startMaxMs, double singleStartP99Ms, long backlog, TableSizes sizes,
        double postgresCores, double jvmCores) {
}
