package dev.apalis.benchmarks;

import java.util.Arrays;
import java.util.List;

/**
 * One row of the report: a system's median for one measure over the repeats.
 *
 * @param system the system and variant
 * @param measure what was measured
 * @param samples the value of each repeat, in run order
 * @param median the median of the samples
 * @param ratioToApalis the median divided by Apalis's median for the same measure, or {@code null} when
 * Apalis has none
 */
public record Result(String system, Measure measure, List<Double> samples, double median, Double ratioToApalis) {

    /** The system every ratio is taken against. */
    public static final String REFERENCE = "Apalis";

    public Result {
        samples = List.copyOf(samples);
    }

    /** The median of values (the mean of the two middle values for an even count). */
    public static double median(List<Double> values) {
        if (values.isEmpty()) {
            throw new IllegalArgumentException("No values");
        }
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(sorted);
        int middle = sorted.length / 2;
        return (sorted.length % 2 == 1) ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}
