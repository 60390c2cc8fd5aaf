package dev.apalis.benchmarks;

import java.io.PrintStream;

import dev.apalis.benchmarks.apalis.ApalisDiagnosis;
import dev.apalis.benchmarks.apalis.ApalisNodesRun;
import dev.apalis.benchmarks.apalis.ApalisPriorityRun;
import dev.apalis.benchmarks.apalis.ApalisSoakRun;

/**
 * The harness's command line: runs the comparison (or the memory, priority, nodes, soak or diagnosis mode), prints the table and writes the
 * JSON report. Exits with 1 when a run failed, 2 on bad options.
 */
public final class BenchmarkMain {

    private BenchmarkMain() {
    }

    public static void main(String[] args) throws Exception {
        BenchmarkOptions options;
        try {
            options = BenchmarkOptions.parse(args);
        }
        catch (IllegalArgumentException ex) {
            System.err.println(ex.getMessage());
            System.err.println(BenchmarkOptions.USAGE);
            System.exit(2);
            return;
        }
        if (options.help()) {
            System.out.println(BenchmarkOptions.USAGE);
            return;
        }
        PrintStream out = System.out;
        boolean failed;
        if (options.memory()) {
            failed = !MemoryBenchmark.run(options, out);
        }
        else if (options.priority()) {
            failed = !ModeBenchmark.run(options, "priority",
                    (database, log) -> ApalisPriorityRun.run(database, options.workload(), options.warmUpTasks(), log), out);
        }
        else if (!options.nodes().isEmpty()) {
            failed = !ModeBenchmark.run(options, "nodes", (database, log) -> ApalisNodesRun.run(database, options, log),
                    out);
        }
        else if (options.soak() != null) {
            failed = !ModeBenchmark.run(options, "soak", (database, log) -> ApalisSoakRun.run(database, options, log),
                    out);
        }
        else if (options.diagnose()) {
            try (BenchmarkDatabase database = BenchmarkDatabase.open(options.jdbcUrl(), options.jdbcUser(),
                    options.jdbcPassword(), options.embeddedFsync())) {
                out.println("Database: " + database.location());
                ApalisDiagnosis.run(database, options.workload(), options.prefetches(), out);
            }
            failed = false;
        }
        else {
            BenchmarkReport report = Comparison.run(options, out);
            out.println();
            out.print(ReportTable.render(report));
            ReportJson.write(report, options.output());
            out.println();
            out.println("Written to " + options.output().toAbsolutePath());
            failed = !report.failures().isEmpty();
        }
        out.flush();
        System.exit(failed ? 1 : 0);
    }
}
