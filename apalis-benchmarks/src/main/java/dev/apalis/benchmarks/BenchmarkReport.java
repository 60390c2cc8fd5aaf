package dev.apalis.benchmarks;

import java.util.List;
import java.util.Map;

/**
 * What a comparison run produced: where and how it ran, the medians, the failed runs and the targets.
 *
 * @param environment the machine, the JVM and the database settings
 * @param parameters the workload and the peers' settings
 * @param results one row per system and measure
 * @param failures runs that failed
 * @param targets the targets held against the results
 */
public record BenchmarkReport(Map<String, Object> environment, Map<String, Object> parameters, List<Result> results,
        List<Failure> failures, List<TargetCheck> targets) {

    public BenchmarkReport {
        environment = Map.copyOf(environment);
        parameters = Map.copyOf(parameters);
        results = List.copyOf(results);
        failures = List.copyOf(failures);
        targets = List.copyOf(targets);
    }
}
