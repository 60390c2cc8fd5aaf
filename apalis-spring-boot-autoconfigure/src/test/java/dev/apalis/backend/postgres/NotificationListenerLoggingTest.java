package dev.apalis.backend.postgres;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.jdbc.datasource.DelegatingDataSource;

import dev.apalis.backend.WakeUps;
import dev.apalis.test.PostgresDatabase;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The listening connection's failures are logged at WARN once per interval, with the count of the ones
 * not logged, and its recovery at INFO with how many failures it ended.
 */
@PostgresDatabase
@ExtendWith(OutputCaptureExtension.class)
class NotificationListenerLoggingTest {

    @Test
    void failuresAreWarnedOncePerIntervalAndTheRecoveryIsLogged(DataSource dataSource, CapturedOutput output)
            throws InterruptedException {
        AtomicInteger attempts = new AtomicInteger();
        DataSource failingThrice = new DelegatingDataSource(dataSource) {

            @Override
            public Connection getConnection() throws SQLException {
                if (attempts.incrementAndGet() <= 3) {
                    throw new SQLException("Connection refused (test)");
                }
                return super.getConnection();
            }
        };
        CountDownLatch woken = new CountDownLatch(1);
        try (NotificationListener listener = new NotificationListener(failingThrice, SchemaNames.of("listener_log"));
                WakeUps.Subscription subscription = listener.subscribe("q", woken::countDown)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> listener.backendPid() != 0);
            assertThat(woken.await(10, TimeUnit.SECONDS)).as("woken after reconnecting").isTrue();
        }

        assertThat(output.getAll()).containsOnlyOnce("The Apalis listening connection of schema")
            .contains("WARN")
            .contains("failed: SQLException: Connection refused (test)")
            .contains("again after 3 failures in");
    }
}
