package dev.apalis.benchmarks;

import java.util.ArrayList;
import java.util.List;

import dev.apalis.benchmarks.apalis.ApalisDrainScenario;
import dev.apalis.benchmarks.apalis.ApalisLatencyScenario;
import dev.apalis.benchmarks.apalis.ApalisPushScenario;
import dev.apalis.benchmarks.dbscheduler.DbSchedulerDrainScenario;
import dev.apalis.benchmarks.dbscheduler.DbSchedulerLatencyScenario;
import dev.apalis.benchmarks.dbscheduler.DbSchedulerPushScenario;
import dev.apalis.benchmarks.jobrunr.JobRunrDrainScenario;
import dev.apalis.benchmarks.jobrunr.JobRunrLatencyScenario;
import dev.apalis.benchmarks.jobrunr.JobRunrPushScenario;
import dev.apalis.benchmarks.raw.RawDrainScenario;

/**
 * Every scenario of the comparison, in the order they run and appear in the table: pushes, then drains,
 * then latencies.
 */
public final class ScenarioCatalog {

    /** The raw loop's small claim. */
    public static final int RAW_SMALL_BATCH = 1;

    /** The raw loop's large claim; the ceiling Apalis's drain is held against. */
    public static final int RAW_LARGE_BATCH = 50;

    private ScenarioCatalog() {
    }

    /**
     * The scenarios of the systems the options select.
     * @param database the database they share
     * @param options the options
     * @return the scenarios
     */
    public static List<Scenario> select(BenchmarkDatabase database, BenchmarkOptions options) {
        boolean apalis = options.runs("apalis");
        boolean raw = options.runs("raw");
        boolean dbScheduler = options.runs("db-scheduler");
        boolean jobRunr = options.runs("jobrunr");
        List<Scenario> scenarios = new ArrayList<>();
        if (apalis) {
            scenarios.add(new ApalisPushScenario(database));
        }
        if (dbScheduler) {
            scenarios.add(new DbSchedulerPushScenario(database));
        }
        if (jobRunr) {
            scenarios.add(new JobRunrPushScenario(database));
        }
        if (apalis) {
            scenarios.add(ApalisDrainScenario.defaults(database));
            scenarios.add(ApalisDrainScenario.keepingNoDoneTask(database));
            scenarios.add(ApalisDrainScenario.prefetch(database, 0));
        }
        if (raw) {
            scenarios.add(new RawDrainScenario(database, RAW_SMALL_BATCH));
            scenarios.add(new RawDrainScenario(database, RAW_LARGE_BATCH));
        }
        if (dbScheduler) {
            scenarios.add(new DbSchedulerDrainScenario(database, false, options.dbSchedulerPollInterval()));
            scenarios.add(new DbSchedulerDrainScenario(database, true, options.dbSchedulerPollInterval()));
        }
        if (jobRunr) {
            scenarios.add(new JobRunrDrainScenario(database, options.jobRunrPollInterval()));
        }
        if (apalis) {
            scenarios.add(new ApalisLatencyScenario(database));
        }
        if (dbScheduler) {
            scenarios.add(new DbSchedulerLatencyScenario(database, options.dbSchedulerPollInterval()));
        }
        if (jobRunr) {
            scenarios.add(new JobRunrLatencyScenario(database, options.jobRunrPollInterval()));
        }
        return scenarios;
    }
}
