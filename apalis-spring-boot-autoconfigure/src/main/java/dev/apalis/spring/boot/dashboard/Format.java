package dev.apalis.spring.boot.dashboard;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

import org.jspecify.annotations.Nullable;

/**
 * How the dashboard writes numbers, times and durations: the same way on every page.
 */
final class Format {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss'Z'", Locale.ROOT)
        .withZone(ZoneOffset.UTC);

    private Format() {
    }

    /** 12,345. */
    static String count(long count) {
        return String.format(Locale.ROOT, "%,d", count);
    }

    /** 2026-12-07 00:13:18Z, or a dash. */
    static String time(@Nullable Instant instant) {
        return (instant != null) ? TIME.format(instant) : "—";
    }

    /** 3 h 12 min, 4 min 5 s, 12 s, 250 ms. */
    static String duration(@Nullable Duration duration) {
        if (duration == null) {
            return "—";
        }
        long millis = Math.max(0, duration.toMillis());
        if (millis < 1_000) {
            return millis + " ms";
        }
        long seconds = millis / 1_000;
        if (seconds < 60) {
            return seconds + " s";
        }
        if (seconds < 3_600) {
            return (seconds / 60) + " min " + (seconds % 60) + " s";
        }
        if (seconds < 86_400) {
            return (seconds / 3_600) + " h " + ((seconds % 3_600) / 60) + " min";
        }
        return (seconds / 86_400) + " d " + ((seconds % 86_400) / 3_600) + " h";
    }

    /** How long ago, or a dash. */
    static String ago(@Nullable Instant instant, Instant now) {
        return (instant != null) ? duration(Duration.between(instant, now)) + " ago" : "—";
    }

    /** The first line of an error, cut to a readable length. */
    static String firstLine(@Nullable String text) {
        if (text == null) {
            return "";
        }
        int end = text.indexOf('\n');
        String line = ((end >= 0) ? text.substring(0, end) : text).strip();
        return (line.length() > 200) ? line.substring(0, 200) + "…" : line;
    }
}
