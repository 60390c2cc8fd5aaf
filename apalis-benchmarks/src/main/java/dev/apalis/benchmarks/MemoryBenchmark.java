package dev.apalis.benchmarks;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import dev.apalis.benchmarks.apalis.ApalisMemoryRun;

/**
 * The memory mode of the harness: Apalis drains a long queue (1,000,000 tasks by default) and the peak
 * heap is reported. Meant to run with {@code -Xmx256m}; the JSON goes next to the comparison's.
 */
public final class MemoryBenchmark {

    private MemoryBenchmark() {
    }

    /**
     * Runs the memory mode and prints and writes its figures.
     * @param options the options (tasks, threads, batch size, database, output)
     * @param out where the figures go
     * @return whether it succeeded
     * @throws Exception if the report cannot be written
     */
    public static boolean run(BenchmarkOptions options, PrintStream out) throws Exception {
        Map<String, Object> report = new LinkedHashMap<>();
        try (BenchmarkDatabase database = BenchmarkDatabase.open(options.jdbcUrl(), options.jdbcUser(),
                options.jdbcPassword(), options.embeddedFsync())) {
            out.println("Database: " + database.location());
            report.put("environment", Environment.describe(database));
            boolean succeeded;
            try {
                Map<String, Object> figures = ApalisMemoryRun.run(database, options.workload(), out);
                report.put("memory", figures);
                out.println();
                figures.forEach((name, value) -> out.printf("  %-22s %s%n", name, value));
                succeeded = true;
            }
            catch (Exception ex) {
                report.put("failure", ex.getClass().getSimpleName() + ": " + ex.getMessage());
                out.println("FAILED: " + ex);
                succeeded = false;
            }
            Path file = options.output().resolveSibling("benchmark-memory.json");
            ReportJson.write(report, file);
            out.println("Written to " + file.toAbsolutePath());
            return succeeded;
        }
    }
}
