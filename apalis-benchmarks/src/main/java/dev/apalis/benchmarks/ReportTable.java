package dev.apalis.benchmarks;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Renders a report as a plain-text table (Markdown-compatible), followed by the targets and the failures.
 */
public final class ReportTable {

    private ReportTable() {
    }

    /**
     * Formats a value in its measure's unit: whole tasks per second, or milliseconds with one decimal.
     * @param measure the measure
     * @param value the value
     * @return the text
     */
    public static String format(Measure measure, double value) {
        return "tasks/s".equals(measure.unit()) ? String.format("%,.0f %s", value, measure.unit())
                : String.format("%,.1f %s", value, measure.unit());
    }

    /**
     * Renders the report.
     * @param report the report
     * @return the text
     */
    public static String render(BenchmarkReport report) {
        List<Result> results = report.results();
        int systemWidth = Math.max("system".length(),
                results.stream().mapToInt(r -> r.system().length()).max().orElse(0));
        int measureWidth = Math.max("measure".length(),
                results.stream().mapToInt(r -> r.measure().label().length()).max().orElse(0));
        int valueWidth = Math.max("median".length(),
                results.stream().mapToInt(r -> format(r.measure(), r.median()).length()).max().orElse(0));
        String row = "| %-" + systemWidth + "s | %-" + measureWidth + "s | %" + valueWidth + "s | %15s | %s |%n";
        StringBuilder text = new StringBuilder();
        text.append(String.format(row, "system", "measure", "median", "ratio to Apalis", "runs"));
        text.append(String.format(row, "-".repeat(systemWidth), "-".repeat(measureWidth), "-".repeat(valueWidth),
                "-".repeat(15), "----"));
        for (Result result : results) {
            String ratio = (result.ratioToApalis() != null) ? String.format("%.2f", result.ratioToApalis()) : "-";
            String runs = result.samples().stream()
                .map(value -> "tasks/s".equals(result.measure().unit()) ? String.format("%,.0f", value)
                        : String.format("%.1f", value))
                .collect(Collectors.joining(" / "));
            text.append(String.format(row, result.system(), result.measure().label(),
                    format(result.measure(), result.median()), ratio, runs));
        }
        if (!report.targets().isEmpty()) {
            text.append(System.lineSeparator()).append("Targets:").append(System.lineSeparator());
            for (TargetCheck check : report.targets()) {
                text.append(String.format("  [%s] %s: %s%n", check.met() ? "met" : "MISSED", check.target(),
                        check.actual()));
            }
        }
        if (!report.failures().isEmpty()) {
            text.append(System.lineSeparator()).append("Failed runs:").append(System.lineSeparator());
            for (Failure failure : report.failures()) {
                text.append(String.format("  %s (%s): %s%n", failure.system(), failure.run(), failure.error()));
            }
        }
        return text.toString();
    }
}
