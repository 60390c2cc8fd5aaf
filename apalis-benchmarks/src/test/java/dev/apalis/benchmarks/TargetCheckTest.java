package dev.apalis.benchmarks;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 13's drain target: at least ten times db-scheduler's best strategy in the same run.
 */
class TargetCheckTest {

    @Test
    void drainIsHeldAgainstTenTimesDbSchedulersBestStrategy() {
        List<TargetCheck> met = TargetCheck.evaluate(List.of(drain("Apalis", 30_000), drain("db-scheduler, fetch", 2_900),
                drain("db-scheduler, lock-and-fetch", 2_700)));
        List<TargetCheck> missed = TargetCheck.evaluate(List.of(drain("Apalis", 30_000),
                drain("db-scheduler, fetch", 2_000), drain("db-scheduler, lock-and-fetch", 5_000)));

        assertThat(tenfold(met).met()).isTrue();
        assertThat(tenfold(met).actual()).isEqualTo("10.3x db-scheduler, fetch (30,000 vs 2,900 tasks/s)");
        assertThat(tenfold(missed).met()).isFalse();
        assertThat(tenfold(missed).actual()).startsWith("6.0x db-scheduler, lock-and-fetch");
    }

    @Test
    void theDrainKeepingNoDoneTaskIsHeldAgainstTheSameFactorAndSaysSo() {
        List<TargetCheck> checks = TargetCheck.evaluate(List.of(drain("Apalis", 20_000),
                drain("Apalis, done retention 0", 40_000), drain("db-scheduler, lock-and-fetch", 3_000)));

        assertThat(checks).filteredOn(check -> check.target().contains("10x db-scheduler")).hasSize(2)
            .anySatisfy(check -> {
                assertThat(check.target()).isEqualTo("Apalis drain >= 10x db-scheduler's best strategy");
                assertThat(check.met()).isFalse();
            })
            .anySatisfy(check -> {
                assertThat(check.target()).isEqualTo(
                        "Apalis, done retention 0 drain >= 10x db-scheduler's best strategy, neither keeping done tasks");
                assertThat(check.actual()).isEqualTo("13.3x db-scheduler, lock-and-fetch (40,000 vs 3,000 tasks/s)");
                assertThat(check.met()).isTrue();
            });
    }

    private static TargetCheck tenfold(List<TargetCheck> checks) {
        return checks.stream().filter(check -> check.target().contains("10x db-scheduler")).findFirst().orElseThrow();
    }

    private static Result drain(String system, double median) {
        return new Result(system, Measure.DRAIN, List.of(median), median, null);
    }
}
