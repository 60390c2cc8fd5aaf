package dev.apalis.spring.boot.test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

import org.jspecify.annotations.Nullable;

/**
 * The clock of the memory backend in tests: the system's time plus however far the test moved it
 * with {@link #advance(Duration)}. It only moves forward. Thread-safe.
 */
public final class TestClock extends Clock {

    private final AtomicReference<Duration> offset = new AtomicReference<>(Duration.ZERO);

    /** The backend built on this clock by the tester's auto-configuration, if any. */
    private volatile @Nullable Object backend;

    /**
     * Moves the clock forward.
     * @param duration zero or more
     */
    public void advance(Duration duration) {
        Objects.requireNonNull(duration, "duration");
        if (duration.isNegative()) {
            throw new IllegalArgumentException("Time only moves forward: advance by zero or more, was " + duration);
        }
        this.offset.accumulateAndGet(duration, Duration::plus);
    }

    /**
     * How far the test moved the clock so far.
     * @return the total of every {@link #advance(Duration)}
     */
    public Duration offset() {
        return this.offset.get();
    }

    void buildsOn(Object backend) {
        this.backend = backend;
    }

    boolean isClockOf(@Nullable Object candidate) {
        return candidate != null && candidate == this.backend;
    }

    @Override
    public Instant instant() {
        return Instant.now().plus(this.offset.get());
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException("A TestClock is in UTC");
    }
}
