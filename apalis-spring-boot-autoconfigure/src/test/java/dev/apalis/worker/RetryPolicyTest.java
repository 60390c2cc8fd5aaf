package dev.apalis.worker;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class RetryPolicyTest {

    @Test
    void defaultsAreDocumented() {
        RetryPolicy policy = RetryPolicy.defaults();
        assertThat(policy.maxAttempts()).isEqualTo(25);
        assertThat(policy.initial()).isEqualTo(Duration.ofSeconds(1));
        assertThat(policy.multiplier()).isEqualTo(2.0);
        assertThat(policy.max()).isEqualTo(Duration.ofHours(1));
        assertThat(policy.jitter()).isEqualTo(0.1);
        assertThat(RetryPolicy.none().maxAttempts()).isEqualTo(1);
    }

    @Test
    void withoutJitterTheDelayGrowsByTheMultiplierUpToTheCap() {
        RetryPolicy policy = RetryPolicy.exponential(Duration.ofMillis(100), 3.0, Duration.ofSeconds(5), 0.0);
        assertThat(policy.delayAfter(1)).isEqualTo(Duration.ofMillis(100));
        assertThat(policy.delayAfter(2)).isEqualTo(Duration.ofMillis(300));
        assertThat(policy.delayAfter(3)).isEqualTo(Duration.ofMillis(900));
        assertThat(policy.delayAfter(4)).isEqualTo(Duration.ofMillis(2700));
        assertThat(policy.delayAfter(5)).isEqualTo(Duration.ofSeconds(5));
        assertThat(policy.delayAfter(10_000)).as("no overflow").isEqualTo(Duration.ofSeconds(5));
        assertThat(policy.delayAfter(0)).as("attempt 0 is treated as the first").isEqualTo(Duration.ofMillis(100));
    }

    @Test
    void aMultiplierOfOneIsAFixedDelay() {
        RetryPolicy policy = RetryPolicy.exponential(Duration.ofMillis(250), 1.0, Duration.ofMillis(250), 0.0);
        for (int attempt = 1; attempt <= 30; attempt++) {
            assertThat(policy.delayAfter(attempt)).isEqualTo(Duration.ofMillis(250));
        }
    }

    @Test
    void theDefaultPolicyRetriesForAboutFourteenHours() {
        RetryPolicy policy = RetryPolicy.exponential(RetryPolicy.DEFAULT_INITIAL, RetryPolicy.DEFAULT_MULTIPLIER,
                RetryPolicy.DEFAULT_MAX, 0.0);
        Duration total = Duration.ZERO;
        for (int attempt = 1; attempt < RetryPolicy.DEFAULT_MAX_ATTEMPTS; attempt++) {
            total = total.plus(policy.delayAfter(attempt));
        }
        assertThat(total).isBetween(Duration.ofHours(13), Duration.ofHours(15));
    }

    @Test
    void jitterStaysWithinItsShareAndNeverPassesTheCap() {
        RetryPolicy policy = RetryPolicy.exponential(Duration.ofMillis(1000), 2.0, Duration.ofMillis(3000), 0.5);
        Set<Duration> seen = new HashSet<>();
        for (int i = 0; i < 2_000; i++) {
            Duration first = policy.delayAfter(1);
            assertThat(first).isBetween(Duration.ofMillis(500), Duration.ofMillis(1500));
            seen.add(first);
            assertThat(policy.delayAfter(2)).isBetween(Duration.ofMillis(1000), Duration.ofMillis(3000));
            assertThat(policy.delayAfter(3)).isBetween(Duration.ofMillis(1500), Duration.ofMillis(3000));
        }
        assertThat(seen).as("the delays are spread, not constant").hasSizeGreaterThan(100);
        assertThat(seen).anySatisfy(d -> assertThat(d).isLessThan(Duration.ofMillis(800)))
            .anySatisfy(d -> assertThat(d).isGreaterThan(Duration.ofMillis(1200)));
    }

    @Test
    void maxAttemptsReturnsACopy() {
        RetryPolicy policy = RetryPolicy.exponential(Duration.ofMillis(10), 2.0, Duration.ofSeconds(1), 0.0);
        RetryPolicy copy = policy.maxAttempts(3);
        assertThat(copy.maxAttempts()).isEqualTo(3);
        assertThat(policy.maxAttempts()).isEqualTo(RetryPolicy.DEFAULT_MAX_ATTEMPTS);
        assertThat(copy.initial()).isEqualTo(policy.initial());
        assertThat(copy.toString()).contains("maxAttempts=3", "initial=PT0.01S");
    }

    @Test
    void rejectsInvalidSettingsWithClearMessages() {
        Duration second = Duration.ofSeconds(1);
        assertThatIllegalArgumentException().isThrownBy(() -> RetryPolicy.defaults().maxAttempts(0))
            .withMessage("maxAttempts must be 1 or more, was 0");
        assertThatIllegalArgumentException()
            .isThrownBy(() -> RetryPolicy.exponential(Duration.ofSeconds(-1), 2.0, second, 0.1))
            .withMessage("backoff delays must not be negative");
        assertThatIllegalArgumentException()
            .isThrownBy(() -> RetryPolicy.exponential(Duration.ofSeconds(2), 2.0, second, 0.1))
            .withMessage("the maximum backoff (PT1S) must not be shorter than the initial one (PT2S)");
        assertThatIllegalArgumentException().isThrownBy(() -> RetryPolicy.exponential(second, 0.5, second, 0.1))
            .withMessage("the backoff multiplier must be 1.0 or more, was 0.5");
        assertThatIllegalArgumentException()
            .isThrownBy(() -> RetryPolicy.exponential(second, Double.NaN, second, 0.1))
            .withMessageContaining("multiplier");
        assertThatIllegalArgumentException()
            .isThrownBy(() -> RetryPolicy.exponential(second, Double.POSITIVE_INFINITY, second, 0.1))
            .withMessageContaining("multiplier");
        assertThatIllegalArgumentException().isThrownBy(() -> RetryPolicy.exponential(second, 2.0, second, 1.5))
            .withMessage("the backoff jitter must be between 0.0 and 1.0, was 1.5");
        assertThatIllegalArgumentException().isThrownBy(() -> RetryPolicy.exponential(second, 2.0, second, -0.1))
            .withMessageContaining("jitter");
        assertThatIllegalArgumentException()
            .isThrownBy(() -> RetryPolicy.exponential(second, 2.0, second, Double.NaN))
            .withMessageContaining("jitter");
    }
}
