package dev.apalis.benchmarks;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * The command line of the priority, nodes and soak modes: their defaults, and clear errors for bad values.
 */
class BenchmarkModesOptionsTest {

    @Test
    void soakDefaultsToTenMinutesAtHalfTheDrainRateWithMinuteRows() {
        BenchmarkOptions options = BenchmarkOptions.parse("--soak");

        assertThat(options.soak()).isEqualTo(new SoakSettings(Duration.ofMinutes(10), Duration.ofMinutes(1), 50,
                Duration.ofSeconds(30), Duration.ofMinutes(2)));
        assertThat(options.soak().windows()).isEqualTo(10);
        assertThat(options.workload().tasks()).isEqualTo(50_000);
    }

    @Test
    void soakSettingsCanBeChanged() {
        BenchmarkOptions options = BenchmarkOptions.parse("--soak", "--length", "90s", "--window", "30s", "--load",
                "40", "--retention", "10s", "--warmup", "0s");

        assertThat(options.soak()).isEqualTo(new SoakSettings(Duration.ofSeconds(90), Duration.ofSeconds(30), 40,
                Duration.ofSeconds(10), Duration.ZERO));
        assertThat(options.soak().windows()).isEqualTo(3);
        assertThat(BenchmarkOptions.parse("--soak", "--minutes", "3").soak().length()).isEqualTo(Duration.ofMinutes(3));
    }

    @Test
    void priorityAndNodesDrainAHundredThousandTasksByDefault() {
        assertThat(BenchmarkOptions.parse("--priority").workload().tasks()).isEqualTo(100_000);
        BenchmarkOptions nodes = BenchmarkOptions.parse("--nodes", "1, 2,4");
        assertThat(nodes.nodes()).containsExactly(1, 2, 4);
        assertThat(nodes.workload().tasks()).isEqualTo(100_000);
        assertThat(BenchmarkOptions.parse("--nodes", "2", "--tasks", "500").workload().tasks()).isEqualTo(500);
        assertThat(BenchmarkOptions.parse().nodes()).isEmpty();
        assertThat(BenchmarkOptions.parse().soak()).isNull();
        assertThat(BenchmarkOptions.parse().priority()).isFalse();
    }

    @Test
    void theComparisonWarmsUpLongerThanThePriorityAndNodesModes() {
        assertThat(BenchmarkOptions.parse().warmUpTasks()).isEqualTo(20_000);
        assertThat(BenchmarkOptions.parse("--priority").warmUpTasks()).isEqualTo(2_000);
        assertThat(BenchmarkOptions.parse("--nodes", "1,2").warmUpTasks()).isEqualTo(2_000);
        assertThat(BenchmarkOptions.parse("--warmup-tasks", "0").warmUpTasks()).isZero();
        assertThat(BenchmarkOptions.parse("--priority", "--warmup-tasks", "500").warmUpTasks()).isEqualTo(500);
    }

    @Test
    void badValuesSayWhatIsExpected() {
        assertThatIllegalArgumentException().isThrownBy(() -> BenchmarkOptions.parse("--nodes", "1,0"))
            .withMessageContaining("--nodes must be 1 or more");
        assertThatIllegalArgumentException().isThrownBy(() -> BenchmarkOptions.parse("--soak", "--load", "150"))
            .withMessageContaining("--load must be a percentage from 1 to 100");
        assertThatIllegalArgumentException().isThrownBy(() -> BenchmarkOptions.parse("--soak", "--length", "30s"))
            .withMessageContaining("--window must be positive and at most the soak's length");
        assertThatIllegalArgumentException().isThrownBy(() -> BenchmarkOptions.parse("--soak", "--window", "soon"))
            .withMessageContaining("--window needs a duration such as 500ms, 10s or 2m");
        assertThat(List.of(BenchmarkOptions.USAGE.split("\n"))).anyMatch(line -> line.contains("--soak"))
            .anyMatch(line -> line.contains("--priority"))
            .anyMatch(line -> line.contains("--nodes"));
    }
}
