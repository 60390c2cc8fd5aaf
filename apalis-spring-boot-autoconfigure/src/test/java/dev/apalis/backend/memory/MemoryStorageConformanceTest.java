package dev.apalis.backend.memory;

import java.time.Duration;
import java.time.Instant;

import dev.apalis.backend.Backend;
import dev.apalis.backend.conformance.BackendConformance;
import dev.apalis.test.MutableClock;

/**
 * {@link MemoryStorage} passes the backend conformance suite, on a clock the suite moves: its "other node"
 * is the storage itself (it is not shared by other processes).
 */
class MemoryStorageConformanceTest extends BackendConformance {

    private static final Duration RETENTION = Duration.ofSeconds(5);

    private final MutableClock clock = new MutableClock(Instant.now());

    @Override
    protected Backend createBackend() {
        return MemoryStorage.builder()
            .clock(clock)
            .orphanThreshold(Duration.ofSeconds(2))
            .doneRetention(RETENTION)
            .killedRetention(RETENTION)
            .build();
    }

    @Override
    public void elapse(Duration duration) {
        clock.advance(duration);
    }

    @Override
    public Instant now() {
        return clock.instant();
    }

    @Override
    public Duration retention() {
        return RETENTION;
    }
}
