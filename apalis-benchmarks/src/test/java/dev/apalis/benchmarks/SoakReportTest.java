package dev.apalis.benchmarks;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The soak's drift between its first and last window, and its CSV.
 */
class SoakReportTest {

    @TempDir
    Path directory;

    @Test
    void driftComparesTheLastWindowWithTheFirst() {
        List<SoakWindow> windows = List.of(window(1, 1000, 20, 100_000_000), window(2, 500, 5, 1),
                window(3, 950, 23, 130_000_000));

        Map<String, Object> drift = SoakReport.drift(windows);

        assertThat(figure(drift, "ackedPerSecond")).containsEntry("drift", "-5.0%").containsEntry("withinLimit", true);
        assertThat(figure(drift, "startP99Ms")).containsEntry("drift", "+15.0%").containsEntry("withinLimit", false);
        assertThat(figure(drift, "tableAndIndexBytes")).containsEntry("drift", "+30.0%")
            .containsEntry("withinLimit", false);
    }

    @Test
    void csvHasOneRowPerWindowAndOneColumnPerIndex() throws Exception {
        Path file = directory.resolve("out/soak.csv");

        SoakReport.writeCsv(List.of(window(1, 1000, 20, 100), window(2, 990, 21, 110)), file);

        List<String> lines = Files.readAllLines(file);
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).startsWith("window,end_s,pushed_per_s").endsWith(",a_idx_bytes,b_idx_bytes");
        assertThat(lines.get(2)).startsWith("2,120.0,").endsWith(",20,30");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> figure(Map<String, Object> drift, String name) {
        return (Map<String, Object>) drift.get(name);
    }

    private static SoakWindow window(int index, double acked, double p99, long totalBytes) {
        Map<String, Long> indexes = new LinkedHashMap<>();
        indexes.put("b_idx", 30L);
        indexes.put("a_idx", 20L);
        return new SoakWindow(index, index * 60.0, acked, acked / 4, acked, p99 / 4, p99, p99 * 2, p99, 10,
                new TableSizes(totalBytes, totalBytes / 2, indexes, 1000, 10), 0.5, 0.3);
    }
}
