package dev.apalis.benchmarks;

import java.util.Map;
import java.util.Set;

/**
 * One measurement of one system: it sets up fresh tables, does the work and returns what it measured.
 * Scenarios run one after another, never at the same time, so each has the machine to itself.
 */
public interface Scenario {

    /** The system as named in the table, with its variant (for example "db-scheduler, lock-and-fetch"). */
    String system();

    /** What {@link #run} returns. */
    Set<Measure> measures();

    /**
     * Whether an untimed warm-up run with a small workload helps this scenario (the peers' latency runs
     * skip it: their polling, not a cold JIT, decides their latency, and a warm-up would cost a poll interval).
     */
    default boolean warmsUp() {
        return true;
    }

    /**
     * Runs the measurement once, on fresh tables.
     * @param workload how much work to do
     * @return one value per measure
     * @throws Exception if the system failed or stalled; the runner records it and goes on
     */
    Map<Measure, Double> run(Workload workload) throws Exception;
}
