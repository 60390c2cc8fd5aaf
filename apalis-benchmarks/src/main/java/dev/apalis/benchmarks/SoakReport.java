package dev.apalis.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * What a soak's windows add up to: the drift of throughput, push-to-start p99 and the table's size
 * between the first and the last window (the target of issue 13 is 10% at most for each), and the
 * windows as CSV.
 */
public final class SoakReport {

    /** The largest drift between the first and the last window that issue 13 allows. */
    public static final double DRIFT_LIMIT = 0.10;

    private SoakReport() {
    }

    /**
     * The drift of each watched figure, as a signed share of the first window's value (+0.05 is 5% higher).
     * @param windows the windows, at least one
     * @return drift by figure name, and whether each stays within {@link #DRIFT_LIMIT}
     */
    public static Map<String, Object> drift(List<SoakWindow> windows) {
        SoakWindow first = windows.get(0);
        SoakWindow last = windows.get(windows.size() - 1);
        Map<String, Object> drift = new LinkedHashMap<>();
        put(drift, "ackedPerSecond", first.ackedPerSecond(), last.ackedPerSecond());
        put(drift, "startP99Ms", first.startP99Ms(), last.startP99Ms());
        put(drift, "singlePushStartP99Ms", first.singleStartP99Ms(), last.singleStartP99Ms());
        put(drift, "tableAndIndexBytes", first.sizes().totalBytes(), last.sizes().totalBytes());
        put(drift, "indexBytes", first.sizes().allIndexBytes(), last.sizes().allIndexBytes());
        return drift;
    }

    private static void put(Map<String, Object> drift, String name, double first, double last) {
        double share = (first > 0) ? (last - first) / first : 0;
        Map<String, Object> figure = new LinkedHashMap<>();
        figure.put("first", round(first));
        figure.put("last", round(last));
        figure.put("drift", String.format(Locale.ROOT, "%+.1f%%", share * 100));
        figure.put("withinLimit", Math.abs(share) <= DRIFT_LIMIT);
        drift.put(name, figure);
    }

    /**
     * Writes the windows as CSV, one column per index of the table.
     * @param windows the windows
     * @param file where to write (parents are created)
     * @throws IOException if it cannot be written
     */
    public static void writeCsv(List<SoakWindow> windows, Path file) throws IOException {
        TreeSet<String> indexes = new TreeSet<>();
        windows.forEach(window -> indexes.addAll(window.sizes().indexBytes().keySet()));
        List<String> lines = new ArrayList<>();
        StringBuilder header = new StringBuilder("window,end_s,pushed_per_s,single_pushed_per_s,acked_per_s,"
                + "start_p50_ms,start_p99_ms,start_max_ms,single_start_p99_ms,backlog,total_bytes,table_bytes,index_bytes,live_rows,"
                + "dead_rows,postgres_cores,jvm_cores");
        indexes.forEach(index -> header.append(',').append(index).append("_bytes"));
        lines.add(header.toString());
        for (SoakWindow w : windows) {
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT,
                    "%d,%.1f,%.0f,%.0f,%.0f,%.2f,%.2f,%.2f,%.2f,%d,%d,%d,%d,%d,%d,%.2f,%.2f", w.index(), w.endSeconds(),
                    w.pushedPerSecond(), w.singlePushedPerSecond(), w.ackedPerSecond(), w.startP50Ms(), w.startP99Ms(),
                    w.startMaxMs(), w.singleStartP99Ms(), w.backlog(), w.sizes().totalBytes(), w.sizes().tableBytes(),
                    w.sizes().allIndexBytes(), w.sizes().liveRows(), w.sizes().deadRows(), w.postgresCores(),
                    w.jvmCores()));
            indexes.forEach(index -> line.append(',').append(w.sizes().indexBytes().getOrDefault(index, 0L)));
            lines.add(line.toString());
        }
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Files.write(file, lines);
    }

    private static double round(double value) {
        return Math.round(value * 100) / 100.0;
    }
}
