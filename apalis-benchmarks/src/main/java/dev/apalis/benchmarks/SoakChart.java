package dev.apalis.benchmarks;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

import javax.imageio.ImageIO;

/**
 * Draws a soak's windows as a PNG with Java2D alone (headless, no network, no plotting tool): three
 * panels over time, throughput, push-to-start latency and the table's size, each with its own axis from 0.
 */
public final class SoakChart {

    private static final int WIDTH = 900;

    private static final int PANEL_HEIGHT = 260;

    private static final int LEFT = 90;

    private static final int RIGHT = 190;

    private static final int TOP = 30;

    private static final int BOTTOM = 40;

    private static final Color[] COLORS = { new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c) };

    private SoakChart() {
    }

    /**
     * Writes the chart.
     * @param windows the windows, at least one
     * @param title the chart's title (the run's settings)
     * @param file the PNG (parents are created)
     * @throws IOException if it cannot be written
     */
    public static void write(List<SoakWindow> windows, String title, Path file) throws IOException {
        System.setProperty("java.awt.headless", "true");
        BufferedImage image = new BufferedImage(WIDTH, 3 * PANEL_HEIGHT + TOP, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, image.getWidth(), image.getHeight());
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
            g.drawString(title, LEFT, 20);
            panel(g, windows, TOP, "throughput", "tasks/s", List.of(
                    new Series("pushed", SoakWindow::pushedPerSecond),
                    new Series("acknowledged", SoakWindow::ackedPerSecond)));
            panel(g, windows, TOP + PANEL_HEIGHT, "push to start", "ms", List.of(
                    new Series("p50", SoakWindow::startP50Ms),
                    new Series("p99", SoakWindow::startP99Ms),
                    new Series("p99, single pushes", SoakWindow::singleStartP99Ms)));
            panel(g, windows, TOP + 2 * PANEL_HEIGHT, "tasks table", "MB", List.of(
                    new Series("table + indexes", w -> w.sizes().totalBytes() / 1e6),
                    new Series("heap", w -> w.sizes().tableBytes() / 1e6),
                    new Series("indexes", w -> w.sizes().allIndexBytes() / 1e6)));
        }
        finally {
            g.dispose();
        }
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        ImageIO.write(image, "png", file.toFile());
    }

    private static void panel(Graphics2D g, List<SoakWindow> windows, int top, String name, String unit,
            List<Series> series) {
        int x0 = LEFT;
        int x1 = WIDTH - RIGHT;
        int y0 = top + PANEL_HEIGHT - BOTTOM;
        int y1 = top + 20;
        double max = 0;
        for (Series s : series) {
            for (SoakWindow w : windows) {
                max = Math.max(max, s.value().applyAsDouble(w));
            }
        }
        double scale = niceCeiling(max);
        double xMax = windows.get(windows.size() - 1).endSeconds() / 60.0;
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        g.setColor(Color.BLACK);
        g.drawString(name + " (" + unit + ")", x0, top + 12);
        for (int tick = 0; tick <= 4; tick++) {
            int y = y0 - (y0 - y1) * tick / 4;
            g.setColor(new Color(0xdddddd));
            g.drawLine(x0, y, x1, y);
            g.setColor(Color.DARK_GRAY);
            String label = String.format(Locale.ROOT, "%,.1f", scale * tick / 4);
            g.drawString(label, x0 - 8 - g.getFontMetrics().stringWidth(label), y + 4);
        }
        for (SoakWindow w : windows) {
            int x = x(w, xMax, x0, x1);
            g.drawLine(x, y0, x, y0 + 4);
            String label = String.format(Locale.ROOT, (windows.size() > 12) ? "%.0f" : "%.2f", w.endSeconds() / 60.0);
            g.drawString(label, x - g.getFontMetrics().stringWidth(label) / 2, y0 + 17);
        }
        g.drawString("0", x0 - 3, y0 + 17);
        g.drawString("minutes", x1 - 40, y0 + 32);
        g.setColor(Color.BLACK);
        g.drawLine(x0, y0, x1, y0);
        g.drawLine(x0, y0, x0, y1);
        for (int i = 0; i < series.size(); i++) {
            Series s = series.get(i);
            g.setColor(COLORS[i % COLORS.length]);
            g.setStroke(new BasicStroke(2f));
            int previousX = -1;
            int previousY = -1;
            for (SoakWindow w : windows) {
                int x = x(w, xMax, x0, x1);
                int y = (int) Math.round(y0 - (y0 - y1) * s.value().applyAsDouble(w) / scale);
                g.fillOval(x - 3, y - 3, 7, 7);
                if (previousX >= 0) {
                    g.drawLine(previousX, previousY, x, y);
                }
                previousX = x;
                previousY = y;
            }
            g.setStroke(new BasicStroke(1f));
            int legendY = y1 + 16 * i + 6;
            g.fillRect(x1 + 15, legendY - 8, 12, 8);
            g.setColor(Color.BLACK);
            g.drawString(s.name(), x1 + 32, legendY);
        }
    }

    private static int x(SoakWindow window, double xMax, int x0, int x1) {
        return (int) Math.round(x0 + (x1 - x0) * (window.endSeconds() / 60.0) / Math.max(xMax, 1e-9));
    }

    /** 1, 2 or 5 times a power of ten, at least {@code value} (1 for nothing). */
    static double niceCeiling(double value) {
        if (!(value > 0)) {
            return 1;
        }
        double power = Math.pow(10, Math.floor(Math.log10(value)));
        for (double step : new double[] { 1, 2, 5, 10 }) {
            if (step * power >= value) {
                return step * power;
            }
        }
        return 10 * power;
    }

    private record Series(String name, ToDoubleFunction<SoakWindow> value) {
    }
}
