package dev.apalis.worker;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class RateLimiterTest {

    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    @Test
    void allowsAtMostPermitsInAnyWindowOfThePeriod() {
        RateLimiter limiter = new RateLimiter(3, Duration.ofMillis(100));
        long t0 = System.nanoTime();
        assertThat(limiter.tryAcquire(5, t0)).isEqualTo(3);
        assertThat(limiter.tryAcquire(1, t0 + 50 * MS)).isZero();
        assertThat(limiter.nanosUntilNextPermit(t0 + 50 * MS)).isEqualTo(50 * MS);
        assertThat(limiter.tryAcquire(1, t0 + 100 * MS - 1)).isZero();
        assertThat(limiter.tryAcquire(1, t0 + 100 * MS)).isEqualTo(1);
        assertThat(limiter.tryAcquire(5, t0 + 150 * MS)).as("two of the first three are a period old").isEqualTo(2);
        assertThat(limiter.tryAcquire(5, t0 + 199 * MS)).isZero();
        assertThat(limiter.nanosUntilNextPermit(t0 + 199 * MS)).isEqualTo(1 * MS);
        assertThat(limiter.tryAcquire(5, t0 + 200 * MS)).isEqualTo(1);
    }

    @Test
    void aSlidingWindowNotAFixedOne() {
        RateLimiter limiter = new RateLimiter(2, Duration.ofMillis(100));
        long t0 = System.nanoTime();
        assertThat(limiter.tryAcquire(1, t0)).isEqualTo(1);
        assertThat(limiter.tryAcquire(1, t0 + 90 * MS)).isEqualTo(1);
        assertThat(limiter.tryAcquire(1, t0 + 110 * MS)).isEqualTo(1);
        assertThat(limiter.tryAcquire(1, t0 + 120 * MS)).as("90 and 110 are within 100 ms").isZero();
        assertThat(limiter.tryAcquire(1, t0 + 190 * MS)).isEqualTo(1);
    }

    @Test
    void availableCountsFreePermitsWithoutTakingThem() {
        RateLimiter limiter = new RateLimiter(4, Duration.ofMillis(100));
        long t0 = System.nanoTime();
        assertThat(limiter.available(t0)).isEqualTo(4);
        assertThat(limiter.available(t0)).isEqualTo(4);
        assertThat(limiter.tryAcquire(1, t0)).isEqualTo(1);
        assertThat(limiter.tryAcquire(2, t0 + 40 * MS)).isEqualTo(2);
        assertThat(limiter.available(t0 + 50 * MS)).isEqualTo(1);
        assertThat(limiter.available(t0 + 100 * MS)).isEqualTo(2);
        assertThat(limiter.available(t0 + 140 * MS)).isEqualTo(4);
        assertThat(limiter.tryAcquire(4, t0 + 140 * MS)).isEqualTo(4);
        assertThat(limiter.available(t0 + 140 * MS)).isZero();
    }

    @Test
    void rejectsInvalidSettings() {
        assertThatIllegalArgumentException().isThrownBy(() -> new RateLimiter(0, Duration.ofSeconds(1)))
            .withMessageContaining("1 or more");
        assertThatIllegalArgumentException().isThrownBy(() -> new RateLimiter(1, Duration.ZERO))
            .withMessageContaining("positive period");
    }
}
