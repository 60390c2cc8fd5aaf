package dev.apalis.spring.boot.test;

import java.time.Duration;
import java.time.Instant;

import javax.sql.DataSource;

import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The time of a backend as the tester sees and moves it: the memory backend reads a {@link TestClock};
 * PostgreSQL reads the database's {@code now()}, so moving time forward moves the run times of the
 * waiting tasks back by as much instead.
 */
interface BackendTime {

    /**
     * The backend's time, from which the tester computes retry times.
     * @return now, as the backend sees it
     */
    Instant now();

    /**
     * Moves time forward for every task that waits.
     * @param duration zero or more
     */
    void advance(Duration duration);

    /** A memory backend built on the tester's clock. */
    record OfClock(TestClock clock) implements BackendTime {

        @Override
        public Instant now() {
            return this.clock.instant();
        }

        @Override
        public void advance(Duration duration) {
            this.clock.advance(duration);
        }
    }

    /** A PostgreSQL backend: waiting tasks become due as if the time had passed. */
    final class OfPostgres implements BackendTime {

        private static final String ADVANCE = """
                UPDATE "%s".tasks
                SET run_at = run_at - ? * interval '1 microsecond',
                    status = CASE WHEN status <> 'SCHEDULED' THEN status
                                  WHEN run_at - ? * interval '1 microsecond' > now() + interval '5 seconds' THEN status
                                  WHEN attempts > 0 THEN 'FAILED' ELSE 'PENDING' END
                WHERE status IN ('PENDING', 'SCHEDULED', 'FAILED')""";

        private final JdbcTemplate jdbc;

        private final String sql;

        OfPostgres(DataSource dataSource, String schema) {
            this.jdbc = new JdbcTemplate(dataSource);
            this.sql = ADVANCE.formatted(schema);
        }

        @Override
        public Instant now() {
            return Instant.now();
        }

        @Override
        public void advance(Duration duration) {
            if (duration.isNegative()) {
                throw new IllegalArgumentException("Time only moves forward: advance by zero or more, was " + duration);
            }
            long micros = duration.toNanos() / 1000;
            // Scheduled tasks that come within the storage's promotion window are promoted at once, as its
            // promoter would do within a second.
            this.jdbc.update(this.sql, micros, micros);
        }
    }

    /** A backend the tester cannot move the time of. */
    record Fixed(String backend) implements BackendTime {

        @Override
        public Instant now() {
            return Instant.now();
        }

        @Override
        public void advance(Duration duration) {
            throw new UnsupportedOperationException("TaskTester cannot move the time of " + this.backend + ": it moves "
                    + "the time of a PostgresStorage, and of a MemoryStorage built on the TestClock bean (the one "
                    + "@AutoConfigureTaskTester defines when the application has no backend bean of its own)");
        }
    }
}
