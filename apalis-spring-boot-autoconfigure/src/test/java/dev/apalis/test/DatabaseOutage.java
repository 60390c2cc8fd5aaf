package dev.apalis.test;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;

import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

/**
 * One outage of the tests' PostgreSQL server: {@link #during} stops it, runs what the test does while
 * it is down, and starts it again even if that fails, noting when it stopped and when it was back.
 * Only the embedded server can be stopped; with an external one ({@code APALIS_TEST_JDBC_URL})
 * {@link #ofTestServer()} skips the test.
 */
public final class DatabaseOutage {

    /** What a test does while the server is down. */
    @FunctionalInterface
    public interface WhileDown {

        /**
         * Runs while the server is down.
         * @throws Exception whatever the test throws
         */
        void run() throws Exception;
    }

    private final TestPostgres.Control server;

    private Instant stoppedAt;

    private Instant backAt;

    private DatabaseOutage(TestPostgres.Control server) {
        this.server = server;
    }

    /** An outage of the server the tests run on; skips the test if that server cannot be stopped. */
    public static DatabaseOutage ofTestServer() {
        TestPostgres.Control server = TestPostgres.server().control();
        assumeThat(server).as("needs a server the tests can stop and start (the embedded one); an external server "
                + "(APALIS_TEST_JDBC_URL) cannot be restarted by a test").isNotNull();
        return new DatabaseOutage(server);
    }

    /**
     * Stops the server, runs {@code whileDown}, then starts the server again (also when it throws).
     * @param whileDown what happens during the outage; it decides how long the outage lasts
     */
    public void during(WhileDown whileDown) throws Exception {
        stoppedAt = Instant.now();
        server.stop();
        try {
            whileDown.run();
        }
        finally {
            server.start();
            backAt = Instant.now();
        }
    }

    /**
     * Keeps the server down until {@code length} after it stopped, checking all along that
     * {@code holds} stays true. For a test about an outage of a given length this wait is the
     * scenario itself, not a synchronisation: nothing ends it earlier.
     * @param length how long the outage lasts in all
     * @param holds what must stay true while the server is down
     */
    public void lastsFor(Duration length, Callable<Boolean> holds) {
        Duration left = Duration.between(Instant.now(), stoppedAt.plus(length));
        if (left.isNegative() || left.isZero()) {
            return;
        }
        await().during(left).atMost(left.plusSeconds(5)).until(holds);
    }

    /** When the server stopped. */
    public Instant stoppedAt() {
        return stoppedAt;
    }

    /** When the server accepted connections again. */
    public Instant backAt() {
        return backAt;
    }

    /** How long the server was down. */
    public Duration length() {
        return Duration.between(stoppedAt, backAt);
    }
}
