package dev.apalis.benchmarks;

import java.io.PrintStream;
import java.util.List;

/**
 * The comparison: every selected system on one database, with one workload, repeated, reduced to a
 * report.
 */
public final class Comparison {

    private Comparison() {
    }

    /**
     * Runs the comparison on a database that is already open.
     * @param database the database
     * @param options the options
     * @param log where progress goes
     * @return the report
     */
    public static BenchmarkReport run(BenchmarkDatabase database, BenchmarkOptions options, PrintStream log) {
        List<Scenario> scenarios = ScenarioCatalog.select(database, options);
        BenchmarkRunner.Outcome outcome = new BenchmarkRunner(log).run(scenarios, options.workload(),
                options.repeat(), options.warmUpTasks());
        return new BenchmarkReport(Environment.describe(database), Environment.parameters(options), outcome.results(),
                outcome.failures(), TargetCheck.evaluate(outcome.results()));
    }

    /**
     * Opens the database the options name (or an embedded one), runs the comparison and closes it.
     * @param options the options
     * @param log where progress goes
     * @return the report
     */
    public static BenchmarkReport run(BenchmarkOptions options, PrintStream log) {
        try (BenchmarkDatabase database = BenchmarkDatabase.open(options.jdbcUrl(), options.jdbcUser(),
                options.jdbcPassword(), options.embeddedFsync())) {
            log.println("Database: " + database.location());
            return run(database, options, log);
        }
    }
}
