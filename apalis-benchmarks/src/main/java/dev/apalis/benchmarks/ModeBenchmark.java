package dev.apalis.benchmarks;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs one of the harness's single-system modes (priority, nodes, soak) on the database the options name:
 * prints its figures and writes them, with the environment, as JSON next to the comparison's report.
 */
public final class ModeBenchmark {

    /** One mode: its figures by name. */
    @FunctionalInterface
    public interface Mode {

        Map<String, Object> run(BenchmarkDatabase database, PrintStream log) throws Exception;
    }

    private static final int PRINTED_LIMIT = 400;

    private ModeBenchmark() {
    }

    /**
     * Runs a mode and reports it.
     * @param options the options (database, output)
     * @param name the mode's name; the JSON goes to {@code benchmark-<name>.json} beside {@code --output}
     * @param mode the mode
     * @param out where progress and figures go
     * @return whether it succeeded
     * @throws Exception if the report cannot be written
     */
    public static boolean run(BenchmarkOptions options, String name, Mode mode, PrintStream out) throws Exception {
        Map<String, Object> report = new LinkedHashMap<>();
        try (BenchmarkDatabase database = BenchmarkDatabase.open(options.jdbcUrl(), options.jdbcUser(),
                options.jdbcPassword(), options.embeddedFsync())) {
            out.println("Database: " + database.location());
            report.put("environment", Environment.describe(database));
            boolean succeeded;
            try {
                Map<String, Object> figures = mode.run(database, out);
                report.put(name, figures);
                out.println();
                figures.forEach((figure, value) -> out.printf("  %-32s %s%n", figure, brief(value)));
                succeeded = true;
            }
            catch (Exception ex) {
                String failure = describe(ex);
                report.put("failure", failure);
                out.println("FAILED: " + failure);
                succeeded = false;
            }
            Path file = reportFile(options, name);
            ReportJson.write(report, file);
            out.println("Written to " + file.toAbsolutePath());
            return succeeded;
        }
    }

    /** An exception with its causes, each on one line, so that a failed run says what the server said. */
    private static String describe(Throwable ex) {
        StringBuilder text = new StringBuilder(ex.getClass().getSimpleName() + ": " + ex.getMessage());
        for (Throwable cause = ex.getCause(); cause != null && cause != cause.getCause(); cause = cause.getCause()) {
            text.append(System.lineSeparator()).append("  caused by ").append(cause.getClass().getSimpleName())
                .append(": ").append(cause.getMessage());
        }
        return text.toString();
    }

    /** A figure as printed: long lists (a soak's windows) are left to the JSON. */
    private static String brief(Object value) {
        String text = String.valueOf(value);
        return (value instanceof List<?> list && text.length() > PRINTED_LIMIT)
                ? "(" + list.size() + " rows, in the JSON)" : text;
    }

    /** Where a mode's JSON goes: {@code benchmark-<name>.json} beside {@code --output}. */
    public static Path reportFile(BenchmarkOptions options, String name) {
        return options.output().resolveSibling("benchmark-" + name + ".json");
    }
}
