package dev.apalis.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * Writes a report as JSON: the same rows as the table, with units and every repeat's value.
 */
public final class ReportJson {

    private static final JsonMapper MAPPER = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    private ReportJson() {
    }

    /**
     * Writes the report, creating parent directories.
     * @param report the report
     * @param file where to write
     * @throws IOException if the file cannot be written
     */
    public static void write(BenchmarkReport report, Path file) throws IOException {
        write(toTree(report), file);
    }

    /**
     * Writes any tree of maps, lists and values, creating parent directories.
     * @param tree the tree
     * @param file where to write
     * @throws IOException if the file cannot be written
     */
    public static void write(Map<String, Object> tree, Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.writeString(file, MAPPER.writeValueAsString(tree));
    }

    static Map<String, Object> toTree(BenchmarkReport report) {
        Map<String, Object> tree = new LinkedHashMap<>();
        tree.put("environment", report.environment());
        tree.put("parameters", report.parameters());
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Result result : report.results()) {
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("system", result.system());
            row.put("measure", result.measure().label());
            row.put("unit", result.measure().unit());
            row.put("median", result.median());
            row.put("ratioToApalis", result.ratioToApalis());
            row.put("samples", result.samples());
            rows.add(row);
        }
        tree.put("results", rows);
        List<Map<String, Object>> targets = new ArrayList<>();
        for (TargetCheck check : report.targets()) {
            targets.add(Map.of("target", check.target(), "actual", check.actual(), "met", check.met()));
        }
        tree.put("targets", targets);
        List<Map<String, Object>> failures = new ArrayList<>();
        for (Failure failure : report.failures()) {
            failures.add(Map.of("system", failure.system(), "run", failure.run(), "error", failure.error()));
        }
        tree.put("failures", failures);
        return tree;
    }
}
