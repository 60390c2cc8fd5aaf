package dev.apalis.spring.boot;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;

import org.springframework.boot.convert.DurationStyle;

/**
 * The shortest durations that settings of periodic work accept, so that a value written without a unit
 * or by mistake cannot become a tight loop against the database. Properties and {@code @TaskHandler}
 * attributes use the same minimums.
 */
final class DurationMinimums {

    /** Shortest poll interval: an idle worker polls the database at most 20 times a second. */
    static final Duration POLL_INTERVAL = Duration.ofMillis(50);

    /** Shortest attempt timeout. */
    static final Duration TIMEOUT = Duration.ofMillis(100);

    /** Shortest heart-beat interval. */
    static final Duration HEARTBEAT_INTERVAL = Duration.ofMillis(100);

    /** Shortest orphan threshold. */
    static final Duration ORPHAN_THRESHOLD = Duration.ofSeconds(1);

    /** Shortest maintenance interval (rescue and retention). */
    static final Duration MAINTENANCE_INTERVAL = Duration.ofSeconds(1);

    /** Shortest refresh interval of the queue depth gauges: each refresh is a count query. */
    static final Duration QUEUE_DEPTH_REFRESH = Duration.ofSeconds(1);

    private static final List<ChronoUnit> UNITS = List.of(ChronoUnit.DAYS, ChronoUnit.HOURS, ChronoUnit.MINUTES,
            ChronoUnit.SECONDS, ChronoUnit.MILLIS);

    private DurationMinimums() {
    }

    /**
     * A minimum as it would be written in a property: {@code 50ms}, {@code 1s}.
     * @param minimum the minimum
     * @return the text
     */
    static String text(Duration minimum) {
        for (ChronoUnit unit : UNITS) {
            if (minimum.toNanos() % unit.getDuration().toNanos() == 0) {
                return DurationStyle.SIMPLE.print(minimum, unit);
            }
        }
        return DurationStyle.SIMPLE.print(minimum, ChronoUnit.NANOS);
    }

}
