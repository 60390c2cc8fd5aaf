package dev.apalis.benchmarks;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs the scenarios: one untimed warm-up of each throughput scenario, then every scenario once per
 * repeat, round-robin (so that a noisy minute on a shared machine hits every system a little rather than
 * one system a lot), and reduces the runs to medians with their ratio to Apalis. A scenario that fails is
 * recorded and skipped from then on; the others go on.
 */
public final class BenchmarkRunner {

    private final PrintStream log;

    public BenchmarkRunner(PrintStream log) {
        this.log = log;
    }

    /**
     * Runs everything.
     * @param scenarios the scenarios, in table order
     * @param workload the workload of every timed run
     * @param repeat the number of timed runs of each scenario
     * @param warmUpTasks tasks of the warm-up run, 0 for none
     * @return the medians, in table order, and the failures
     */
    public Outcome run(List<Scenario> scenarios, Workload workload, int repeat, int warmUpTasks) {
        Map<String, Map<Measure, List<Double>>> samples = new LinkedHashMap<>();
        List<Failure> failures = new ArrayList<>();
        Set<Scenario> broken = new HashSet<>();
        if (warmUpTasks > 0) {
            Workload warmUp = workload.warmUp(warmUpTasks);
            for (Scenario scenario : scenarios) {
                if (scenario.warmsUp()) {
                    runOnce(scenario, warmUp, "warm-up", null, failures, broken);
                }
            }
        }
        for (int r = 1; r <= repeat; r++) {
            for (Scenario scenario : scenarios) {
                if (!broken.contains(scenario)) {
                    runOnce(scenario, workload, "repeat " + r + "/" + repeat, samples, failures, broken);
                }
            }
        }
        return new Outcome(medians(scenarios, samples), failures);
    }

    private void runOnce(Scenario scenario, Workload workload, String run,
            Map<String, Map<Measure, List<Double>>> samples, List<Failure> failures, Set<Scenario> broken) {
        long start = System.nanoTime();
        try {
            Map<Measure, Double> values = scenario.run(workload);
            StringBuilder line = new StringBuilder();
            for (Map.Entry<Measure, Double> value : values.entrySet()) {
                if (!(value.getValue() > 0) || value.getValue().isInfinite()) {
                    throw new IllegalStateException(value.getKey().label() + " came out as " + value.getValue());
                }
                if (samples != null) {
                    samples.computeIfAbsent(scenario.system(), key -> new LinkedHashMap<>())
                        .computeIfAbsent(value.getKey(), key -> new ArrayList<>())
                        .add(value.getValue());
                }
                line.append(String.format("  %s %s", value.getKey().label(), ReportTable.format(value.getKey(),
                        value.getValue())));
            }
            log.printf("[%s] %s:%s (%.1f s)%n", run, scenario.system(), line, (System.nanoTime() - start) / 1e9);
        }
        catch (Exception ex) {
            if (ex instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            String error = ex.getClass().getSimpleName() + ": " + ex.getMessage();
            log.printf("[%s] %s FAILED: %s%n", run, scenario.system(), error);
            failures.add(new Failure(scenario.system(), run, error));
            broken.add(scenario);
        }
        flush();
    }

    private void flush() {
        log.flush();
    }

    private static List<Result> medians(List<Scenario> scenarios,
            Map<String, Map<Measure, List<Double>>> samples) {
        Map<Measure, Double> reference = new LinkedHashMap<>();
        samples.getOrDefault(Result.REFERENCE, Map.of())
            .forEach((measure, values) -> reference.put(measure, Result.median(values)));
        List<Result> results = new ArrayList<>();
        for (Measure measure : Measure.values()) {
            Set<String> seen = new HashSet<>();
            for (Scenario scenario : scenarios) {
                List<Double> values = samples.getOrDefault(scenario.system(), Map.of()).get(measure);
                if (!scenario.measures().contains(measure) || values == null || !seen.add(scenario.system())) {
                    continue;
                }
                double median = Result.median(values);
                Double base = reference.get(measure);
                results.add(new Result(scenario.system(), measure, values, median, (base != null) ? median / base : null));
            }
        }
        return results;
    }

    /**
     * The medians and failures of a run.
     *
     * @param results one row per system and measure, in table order
     * @param failures failed runs
     */
    public record Outcome(List<Result> results, List<Failure> failures) {
    }
}
