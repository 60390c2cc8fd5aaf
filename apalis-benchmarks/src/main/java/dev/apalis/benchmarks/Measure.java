package dev.apalis.benchmarks;

/**
 * What a benchmark measures: its label in the table, its unit, and whether a higher value is better.
 */
public enum Measure {

    /** Tasks stored per second when every call stores one task. */
    PUSH_ONE("push, one per call", "tasks/s", true),

    /** 99th percentile of the time of one call when every call stores one task. */
    PUSH_ONE_P99("push p99, one per call", "ms", false),

    /** Tasks stored per second when every call stores a batch. */
    PUSH_BATCH("push, batched", "tasks/s", true),

    /** Tasks run and acknowledged per second, from worker start to the last acknowledgement. */
    DRAIN("drain", "tasks/s", true),

    /** Median time from the push call to the handler's start, at a steady low rate. */
    LATENCY_P50("latency p50", "ms", false),

    /** 95th percentile of push-to-start latency. */
    LATENCY_P95("latency p95", "ms", false),

    /** 99th percentile of push-to-start latency. */
    LATENCY_P99("latency p99", "ms", false);

    private final String label;

    private final String unit;

    private final boolean higherIsBetter;

    Measure(String label, String unit, boolean higherIsBetter) {
        this.label = label;
        this.unit = unit;
        this.higherIsBetter = higherIsBetter;
    }

    public String label() {
        return label;
    }

    public String unit() {
        return unit;
    }

    public boolean higherIsBetter() {
        return higherIsBetter;
    }
}
