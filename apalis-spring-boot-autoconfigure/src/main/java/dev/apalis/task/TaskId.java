package dev.apalis.task;

import java.security.SecureRandom;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Identifies a task. Ids are UUIDv7 values: they sort by creation time, so that an index on them
 * stays compact and a newer id never sorts before an older one created by the same JVM.
 *
 * @param value the UUID behind this id
 */
public record TaskId(UUID value) implements Comparable<TaskId> {

    private static final SecureRandom RANDOM = new SecureRandom();

    private static final AtomicLong LAST_TIMESTAMP_AND_SEQUENCE = new AtomicLong();

    public TaskId {
        Objects.requireNonNull(value, "value");
    }

    /**
     * Creates a new time-ordered id (UUIDv7 with a 12-bit per-millisecond sequence, so ids made in
     * one JVM are strictly increasing).
     * @return a new id
     */
    public static TaskId next() {
        long stamp = LAST_TIMESTAMP_AND_SEQUENCE.updateAndGet(previous -> {
            long now = System.currentTimeMillis() << 12;
            return Math.max(now, previous + 1);
        });
        long millis = stamp >>> 12;
        long sequence = stamp & 0xFFF;
        long msb = (millis << 16) | 0x7000L | sequence;
        long lsb = (RANDOM.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
        return new TaskId(new UUID(msb, lsb));
    }

    /**
     * Parses the text form of an id.
     * @param text a UUID in its canonical text form
     * @return the id
     * @throws IllegalArgumentException if the text is not a UUID
     */
    public static TaskId parse(String text) {
        try {
            return new TaskId(UUID.fromString(Objects.requireNonNull(text, "text")));
        }
        catch (IllegalArgumentException ex) {
            throw new IllegalArgumentException("'" + text + "' is not a task id: expected a UUID such as "
                    + "0192f7c4-5e1a-7c3b-9a2e-4b6f1d2c3e4f", ex);
        }
    }

    @Override
    public int compareTo(TaskId other) {
        return value.compareTo(other.value);
    }

    @Override
    public String toString() {
        return value.toString();
    }
}
