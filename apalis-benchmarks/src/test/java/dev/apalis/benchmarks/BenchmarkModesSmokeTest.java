package dev.apalis.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

import dev.apalis.benchmarks.apalis.ApalisNodesRun;
import dev.apalis.benchmarks.apalis.ApalisPriorityRun;
import dev.apalis.benchmarks.apalis.ApalisSoakRun;
import dev.apalis.test.TestPostgres;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs the priority, nodes and soak modes with tiny numbers, so that they cannot rot: each must finish,
 * account for every task and report its figures. Nothing here is timed; the figures mean nothing at this size.
 * The nodes mode starts JVMs, which takes too long for every build; {@code -Dbenchmark.nodes.smoke=true} runs it.
 */
class BenchmarkModesSmokeTest {

    @TempDir
    Path directory;

    @Test
    void priorityModeReportsTheUrgentTasksDistribution() throws Exception {
        BenchmarkOptions options = options("priority", "--priority", "--tasks", "3000", "--latency-rate", "500",
                "--warmup-tasks", "300", "--threads", "2");

        Map<String, Object> figures = run(options, "priority",
                (database, log) -> ApalisPriorityRun.run(database, options.workload(), options.warmUpTasks(), log));

        assertThat(figures).containsEntry("normalTasks", 3000).containsEntry("warmUpTasks", 300);
        assertThat((Integer) figures.get("urgentTasks")).isPositive();
        assertThat((Double) figures.get("urgentStartP99Ms")).isPositive()
            .isGreaterThanOrEqualTo((Double) figures.get("urgentStartP50Ms"));
        @SuppressWarnings("unchecked")
        Map<String, Integer> histogram = (Map<String, Integer>) figures.get("urgentStartHistogramMs");
        assertThat(histogram.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(figures.get("urgentTasks"));
    }

    @Test
    @EnabledIfSystemProperty(named = "benchmark.nodes.smoke", matches = "true",
            disabledReason = "starts three JVMs (a minute on a loaded two-core machine); -Dbenchmark.nodes.smoke=true runs it")
    void nodesModeDrainsOneQueueWithSeveralProcesses() throws Exception {
        BenchmarkOptions options = options("nodes", "--nodes", "1,2", "--tasks", "2000", "--repeat", "1",
                "--threads", "2", "--warmup-tasks", "100");

        Map<String, Object> figures = run(options, "nodes",
                (database, log) -> ApalisNodesRun.run(database, options, log));

        @SuppressWarnings("unchecked")
        List<Map<String, Object>> counts = (List<Map<String, Object>>) figures.get("counts");
        assertThat(counts).extracting(row -> row.get("nodes")).containsExactly(1, 2);
        assertThat(counts).allSatisfy(row -> assertThat((Long) row.get("medianTasksPerSecond")).isPositive());
        @SuppressWarnings("unchecked")
        List<List<Long>> split = (List<List<Long>>) counts.get(1).get("tasksPerNodeOfEachRun");
        assertThat(split.get(0)).hasSize(2);
        assertThat(split.get(0).stream().mapToLong(Long::longValue).sum()).isEqualTo(2000);
    }

    @Test
    void soakModeWritesItsWindowsAsCsvAndChart() throws Exception {
        BenchmarkOptions options = options("soak", "--soak", "--tasks", "1000", "--length", "2s", "--window", "1s",
                "--retention", "1s", "--warmup", "1s", "--batch-size", "50", "--threads", "2");

        Map<String, Object> figures = run(options, "soak", (database, log) -> ApalisSoakRun.run(database, options, log));

        assertThat((List<?>) figures.get("windows")).as("the warm-up is no window").hasSize(2);
        assertThat(figures.get("warmUp")).isEqualTo("PT1S");
        assertThat((Long) figures.get("tasksAcknowledged"))
            .isEqualTo(1000 + (Long) figures.get("tasksPushedDuringSoak"));
        assertThat((Long) figures.get("tasksPushedOnePerCall")).isPositive();
        // Windows of 1 s: what they say was pushed, with the warm-up's pushes, is at most what was pushed in all.
        long warmUpPushes = (Long) figures.get("tasksPushedDuringWarmUp");
        long windowPushes = ((List<?>) figures.get("windows")).stream()
            .mapToLong(row -> (Long) ((Map<?, ?>) row).get("pushedPerSecond"))
            .sum();
        assertThat(warmUpPushes).isPositive();
        assertThat(warmUpPushes + windowPushes).isLessThanOrEqualTo((long) ((Long) figures.get("tasksPushedDuringSoak") * 1.05));
        assertThat(figures.get("drift")).asString().contains("ackedPerSecond", "startP99Ms", "tableAndIndexBytes");
        List<String> csv = Files.readAllLines(directory.resolve("soak.csv"));
        assertThat(csv).hasSize(3);
        assertThat(csv.get(0)).contains("acked_per_s", "start_p99_ms", "total_bytes", "tasks_pkey_bytes");
        assertThat(ImageIO.read(directory.resolve("soak.png").toFile()).getWidth()).isPositive();
    }

    private BenchmarkOptions options(String name, String... mode) {
        TestPostgres.Database database = TestPostgres.createDatabase("benchmark_" + name);
        List<String> args = new ArrayList<>(List.of("--jdbc-url", database.jdbcUrl(), "--jdbc-user",
                database.username(), "--jdbc-password", database.password(), "--output",
                directory.resolve("results.json").toString()));
        args.addAll(List.of(mode));
        return BenchmarkOptions.parse(args.toArray(String[]::new));
    }

    private Map<String, Object> run(BenchmarkOptions options, String name, ModeBenchmark.Mode mode) throws Exception {
        AtomicReference<Map<String, Object>> figures = new AtomicReference<>();
        boolean succeeded = ModeBenchmark.run(options, name, (database, log) -> {
            figures.set(mode.run(database, log));
            return figures.get();
        }, System.out);

        assertThat(succeeded).as(name + " succeeded").isTrue();
        assertThat(Files.readString(ModeBenchmark.reportFile(options, name))).contains("\"environment\"",
                "\"" + name + "\"");
        return figures.get();
    }
}
