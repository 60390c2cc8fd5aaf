package dev.apalis.reliability;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The figures a scenario measured (tasks, kills, restarts, duplicates, recovery times), printed to
 * standard output (so they land in the Surefire or Failsafe report) and appended to
 * {@code target/reliability/figures.txt}, from which {@code docs/reliability.md} quotes a run.
 */
final class Figures {

    private final String scenario;

    private final Map<String, Object> values = new LinkedHashMap<>();

    private Figures(String scenario) {
        this.scenario = scenario;
    }

    static Figures of(String scenario) {
        return new Figures(scenario);
    }

    Figures put(String name, Object value) {
        values.put(name, (value instanceof Duration duration) ? millis(duration) : value);
        return this;
    }

    void print() {
        StringBuilder line = new StringBuilder(Instant.now().toString()).append(" FIGURES ").append(scenario).append(':');
        values.forEach((name, value) -> line.append(' ').append(name).append('=').append(value));
        System.out.println(line);
        try {
            Path dir = Path.of("target", "reliability");
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("figures.txt"), line + System.lineSeparator(), StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    static String millis(Duration duration) {
        return duration.toMillis() + "ms";
    }
}
