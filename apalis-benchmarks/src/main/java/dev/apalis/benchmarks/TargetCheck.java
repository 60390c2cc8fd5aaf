package dev.apalis.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import dev.apalis.benchmarks.apalis.ApalisDrainScenario;

/**
 * One of the targets, held against the measured medians.
 *
 * @param target what the target says
 * @param actual what was measured, in words
 * @param met whether the target is met
 */
public record TargetCheck(String target, String actual, boolean met) {

    /** Half the raw batch-50 ceiling. */
    static final double CEILING_SHARE = 0.5;

    static final double P50_LIMIT_MS = 10;

    static final double P99_LIMIT_MS = 50;

    /** Issue 13: the drain stays at least this many times db-scheduler's best strategy's. */
    static final double DB_SCHEDULER_FACTOR = 10;

    /** Issue 13: single pushes (one task per call, several threads) reach this many times db-scheduler's. */
    static final double SINGLE_PUSH_FACTOR = 3;

    /** Issue 13: the p99 of a single push. */
    static final double PUSH_P99_LIMIT_MS = 10;

    private static final String DB_SCHEDULER = "db-scheduler";

    /**
     * Checks every target whose measurements are present.
     * @param results the medians
     * @return the checks
     */
    public static List<TargetCheck> evaluate(List<Result> results) {
        List<TargetCheck> checks = new ArrayList<>();
        Optional<Result> ceiling = find(results, "raw SKIP LOCKED, batch " + ScenarioCatalog.RAW_LARGE_BATCH,
                Measure.DRAIN);
        Optional<Result> bestPeer = results.stream()
            .filter(r -> r.measure() == Measure.DRAIN)
            .filter(r -> !r.system().startsWith(Result.REFERENCE) && !r.system().startsWith("raw"))
            .max((a, b) -> Double.compare(a.median(), b.median()));
        Optional<Result> bestDbScheduler = results.stream()
            .filter(r -> r.measure() == Measure.DRAIN && r.system().startsWith(DB_SCHEDULER))
            .max((a, b) -> Double.compare(a.median(), b.median()));
        for (Result apalis : results) {
            if (apalis.measure() != Measure.DRAIN || !apalis.system().equals(Result.REFERENCE)) {
                continue;
            }
            ceiling.ifPresent(raw -> {
                double share = apalis.median() / raw.median();
                checks.add(new TargetCheck(apalis.system() + " drain >= 50% of " + raw.system(),
                        String.format("%.0f%% (%,.0f vs %,.0f tasks/s)", share * 100, apalis.median(), raw.median()),
                        share >= CEILING_SHARE));
            });
            bestPeer.ifPresent(peer -> checks.add(new TargetCheck(apalis.system() + " drain ahead of every peer",
                    String.format("%.1fx %s (%,.0f vs %,.0f tasks/s)", apalis.median() / peer.median(), peer.system(),
                            apalis.median(), peer.median()),
                    apalis.median() > peer.median())));
            bestDbScheduler.ifPresent(peer -> checks.add(dbSchedulerFactor(apalis, peer, "")));
        }
        find(results, ApalisDrainScenario.KEEPING_NO_DONE_TASK, Measure.DRAIN).ifPresent(apalis -> bestDbScheduler
            .ifPresent(peer -> checks.add(dbSchedulerFactor(apalis, peer, ", neither keeping done tasks"))));
        find(results, Result.REFERENCE, Measure.PUSH_ONE).ifPresent(apalis -> find(results, DB_SCHEDULER,
                Measure.PUSH_ONE).ifPresent(peer -> checks.add(new TargetCheck(
                        String.format("Apalis single pushes >= %.0fx db-scheduler's", SINGLE_PUSH_FACTOR),
                        String.format("%.2fx (%,.0f vs %,.0f tasks/s)", apalis.median() / peer.median(),
                                apalis.median(), peer.median()),
                        apalis.median() >= SINGLE_PUSH_FACTOR * peer.median()))));
        find(results, Result.REFERENCE, Measure.PUSH_ONE_P99).ifPresent(p99 -> checks.add(new TargetCheck(
                "Apalis push p99, one per call <= 10 ms", String.format("%.1f ms", p99.median()),
                p99.median() <= PUSH_P99_LIMIT_MS)));
        find(results, Result.REFERENCE, Measure.LATENCY_P50).ifPresent(p50 -> checks.add(new TargetCheck(
                "Apalis latency p50 < 10 ms", String.format("%.1f ms", p50.median()), p50.median() < P50_LIMIT_MS)));
        find(results, Result.REFERENCE, Measure.LATENCY_P99).ifPresent(p99 -> checks.add(new TargetCheck(
                "Apalis latency p99 < 50 ms", String.format("%.1f ms", p99.median()), p99.median() < P99_LIMIT_MS)));
        return checks;
    }

    private static TargetCheck dbSchedulerFactor(Result apalis, Result peer, String condition) {
        return new TargetCheck(String.format("%s drain >= %.0fx db-scheduler's best strategy%s", apalis.system(),
                DB_SCHEDULER_FACTOR, condition),
                String.format("%.1fx %s (%,.0f vs %,.0f tasks/s)", apalis.median() / peer.median(), peer.system(),
                        apalis.median(), peer.median()),
                apalis.median() >= DB_SCHEDULER_FACTOR * peer.median());
    }

    private static Optional<Result> find(List<Result> results, String system, Measure measure) {
        return results.stream().filter(r -> r.system().equals(system) && r.measure() == measure).findFirst();
    }
}
