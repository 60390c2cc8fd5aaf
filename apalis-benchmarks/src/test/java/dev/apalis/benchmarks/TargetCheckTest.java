package dev.apalis.benchmarks;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 13's targets held against a run's medians: the drain at least ten times db-scheduler's best
 * strategy, single pushes at least three times db-scheduler's, with a push p99 of at most 10 ms.
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

    @Test
    void singlePushesAreHeldAgainstThreeTimesDbSchedulersAndTheirP99AgainstTenMilliseconds() {
        List<TargetCheck> met = TargetCheck.evaluate(List.of(result("Apalis", Measure.PUSH_ONE, 14_085),
                result("db-scheduler", Measure.PUSH_ONE, 4_631), result("Apalis", Measure.PUSH_ONE_P99, 2.5)));
        List<TargetCheck> missed = TargetCheck.evaluate(List.of(result("Apalis", Measure.PUSH_ONE, 8_410),
                result("db-scheduler", Measure.PUSH_ONE, 4_249), result("Apalis", Measure.PUSH_ONE_P99, 10.4)));

        assertThat(check(met, "single pushes")).isEqualTo(new TargetCheck("Apalis single pushes >= 3x db-scheduler's",
                "3.04x (14,085 vs 4,631 tasks/s)", true));
        assertThat(check(met, "push p99").met()).isTrue();
        assertThat(check(missed, "single pushes").actual()).isEqualTo("1.98x (8,410 vs 4,249 tasks/s)");
        assertThat(check(missed, "single pushes").met()).isFalse();
        assertThat(check(missed, "push p99")).isEqualTo(new TargetCheck("Apalis push p99, one per call <= 10 ms",
                "10.4 ms", false));
    }

    private static TargetCheck check(List<TargetCheck> checks, String about) {
        return checks.stream().filter(check -> check.target().contains(about)).findFirst().orElseThrow();
    }

    private static TargetCheck tenfold(List<TargetCheck> checks) {
        return check(checks, "10x db-scheduler");
    }

    private static Result drain(String system, double median) {
        return result(system, Measure.DRAIN, median);
    }

    private static Result result(String system, Measure measure, double median) {
        return new Result(system, measure, List.of(median), median, null);
    }
}
