package dev.apalis.spring.boot.dashboard;

import java.time.Instant;
import java.util.Locale;

/**
 * The overview's chart: attempts that ended on this node per ten seconds over ten minutes, as an
 * inline SVG bar chart (succeeded and failed stacked), with its figures in words for screen readers
 * and for readers who cannot tell the colours apart.
 */
final class ThroughputChart {

    private static final int WIDTH = 600;

    private static final int HEIGHT = 120;

    private ThroughputChart() {
    }

    static void write(Html html, Throughput.Sample[] samples) {
        long max = 1;
        long total = 0;
        long failed = 0;
        long lastMinute = 0;
        for (int i = 0; i < samples.length; i++) {
            max = Math.max(max, samples[i].total());
            total += samples[i].total();
            failed += samples[i].failed();
            if (i >= samples.length - 6) {
                lastMinute += samples[i].total();
            }
        }
        String summary = "This node: " + Format.count(lastMinute) + " attempts ended in the last minute, "
                + Format.count(total) + " in the last 10 minutes (" + Format.count(failed) + " failed or killed); "
                + "busiest 10 s: " + Format.count(max == 1 && total == 0 ? 0 : max) + ".";
        html.open("figure", "class", "chart", "id", "throughput", "data-live", "");
        html.open("svg", "viewBox", "0 0 " + WIDTH + " " + HEIGHT, "width", "100%", "height", String.valueOf(HEIGHT),
                "role", "img", "aria-label", summary, "preserveAspectRatio", "none");
        double barWidth = (double) WIDTH / samples.length;
        for (int i = 0; i < samples.length; i++) {
            Throughput.Sample sample = samples[i];
            double okHeight = (double) sample.succeeded() / max * (HEIGHT - 4);
            double failedHeight = (double) sample.failed() / max * (HEIGHT - 4);
            String x = number(i * barWidth + 0.5);
            String width = number(Math.max(1, barWidth - 1));
            String title = Format.time(Instant.ofEpochMilli(sample.startMillis())) + ": " + sample.succeeded()
                    + " succeeded, " + sample.failed() + " failed";
            html.open("g");
            html.element("title", title);
            html.element("rect", null, "class", "ok", "x", x, "width", width, "y", number(HEIGHT - okHeight), "height",
                    number(okHeight));
            html.element("rect", null, "class", "bad", "x", x, "width", width, "y",
                    number(HEIGHT - okHeight - failedHeight), "height", number(failedHeight));
            html.end();
        }
        html.end();
        html.element("figcaption", summary + " Bars: 10 s each, oldest left; failed attempts stacked on top in red; each bar's figures are in its tooltip.");
        html.end();
    }

    private static String number(double value) {
        return String.format(Locale.ROOT, "%.1f", value);
    }
}
