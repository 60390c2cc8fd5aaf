package dev.apalis.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.apalis.test.TestPostgres;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs the whole harness in-process with tiny numbers, so that it cannot rot: every system must report
 * every measure it has, with a positive value. Nothing here is timed; the numbers mean nothing at this size.
 * The peers' poll intervals are shortened (db-scheduler 1 s, JobRunr 5 s, its smallest) and the latency
 * rate lowered, so that a peer's latency run, which pushes for one poll interval, stays short.
 */
class BenchmarkSmokeTest {

    private static final String APALIS = "Apalis";

    private static final String APALIS_PREFETCH_0 = "Apalis, prefetch 0";

    private static final String APALIS_NO_DONE = "Apalis, done retention 0";

    private static final String RAW_1 = "raw SKIP LOCKED, batch 1";

    private static final String RAW_50 = "raw SKIP LOCKED, batch 50";

    private static final String DB_SCHEDULER = "db-scheduler";

    private static final String DB_SCHEDULER_FETCH = "db-scheduler, fetch";

    private static final String DB_SCHEDULER_LOCK = "db-scheduler, lock-and-fetch";

    private static final String JOBRUNR = "JobRunr";

    private static final List<Row> EXPECTED = List.of(
            new Row(APALIS, Measure.PUSH_ONE), new Row(DB_SCHEDULER, Measure.PUSH_ONE), new Row(JOBRUNR, Measure.PUSH_ONE),
            new Row(APALIS, Measure.PUSH_ONE_P99), new Row(DB_SCHEDULER, Measure.PUSH_ONE_P99),
            new Row(JOBRUNR, Measure.PUSH_ONE_P99),
            new Row(APALIS, Measure.PUSH_BATCH), new Row(DB_SCHEDULER, Measure.PUSH_BATCH),
            new Row(JOBRUNR, Measure.PUSH_BATCH),
            new Row(APALIS, Measure.DRAIN), new Row(APALIS_NO_DONE, Measure.DRAIN),
            new Row(APALIS_PREFETCH_0, Measure.DRAIN), new Row(RAW_1, Measure.DRAIN),
            new Row(RAW_50, Measure.DRAIN), new Row(DB_SCHEDULER_FETCH, Measure.DRAIN),
            new Row(DB_SCHEDULER_LOCK, Measure.DRAIN), new Row(JOBRUNR, Measure.DRAIN),
            new Row(APALIS, Measure.LATENCY_P50), new Row(DB_SCHEDULER_FETCH, Measure.LATENCY_P50),
            new Row(JOBRUNR, Measure.LATENCY_P50),
            new Row(APALIS, Measure.LATENCY_P95), new Row(DB_SCHEDULER_FETCH, Measure.LATENCY_P95),
            new Row(JOBRUNR, Measure.LATENCY_P95),
            new Row(APALIS, Measure.LATENCY_P99), new Row(DB_SCHEDULER_FETCH, Measure.LATENCY_P99),
            new Row(JOBRUNR, Measure.LATENCY_P99));

    @TempDir
    Path directory;

    @Test
    void everySystemReportsEveryMeasureWithAPositiveValue() throws Exception {
        TestPostgres.Database database = TestPostgres.createDatabase("benchmark_smoke");
        Path output = directory.resolve("results.json");
        BenchmarkOptions options = BenchmarkOptions.parse("--jdbc-url", database.jdbcUrl(), "--jdbc-user",
                database.username(), "--jdbc-password", database.password(), "--tasks", "200", "--push-tasks", "100",
                "--threads", "4", "--repeat", "1", "--warmup-tasks", "0", "--latency-tasks", "50", "--latency-rate", "50",
                "--db-scheduler-poll", "1s", "--jobrunr-poll", "5s", "--output", output.toString());

        BenchmarkReport report = Comparison.run(options, System.out);
        ReportJson.write(report, output);
        String table = ReportTable.render(report);

        assertThat(report.failures()).as("failed runs").isEmpty();
        assertThat(report.results()).extracting(result -> new Row(result.system(), result.measure()))
            .containsExactlyInAnyOrderElementsOf(EXPECTED);
        assertThat(report.results()).allSatisfy(result -> {
            assertThat(result.median()).as(result.system() + " " + result.measure()).isPositive();
            assertThat(result.ratioToApalis()).as(result.system() + " " + result.measure()).isPositive();
        });
        assertThat(report.results()).filteredOn(result -> result.system().equals(APALIS))
            .allSatisfy(result -> assertThat(result.ratioToApalis()).isEqualTo(1.0));
        assertThat(report.targets()).isNotEmpty();
        assertThat(table).contains(APALIS_PREFETCH_0, APALIS_NO_DONE, RAW_50, DB_SCHEDULER_LOCK, JOBRUNR, "ratio to Apalis");
        assertThat(Files.readString(output)).contains("\"results\"", "\"ratioToApalis\"", "\"environment\"");
    }

    private record Row(String system, Measure measure) {
    }
}
