package dev.apalis.benchmarks;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The soak's latency histogram: percentiles within a bucket of the exact value, and no lost counts when
 * many threads record at once.
 */
class LatencyHistogramTest {

    @Test
    void percentilesAreWithinOneBucketOfTheExactValues() {
        LatencyHistogram histogram = new LatencyHistogram();
        for (int millis = 1; millis <= 1000; millis++) {
            histogram.record(millis * 1_000_000L + 123_456);
        }

        assertThat(histogram.count()).isEqualTo(1000);
        assertThat(histogram.percentileMillis(50)).isCloseTo(500.123, within(1.0));
        assertThat(histogram.percentileMillis(99)).isCloseTo(990.123, within(1.0));
        assertThat(histogram.percentileMillis(100)).isCloseTo(1000.123, within(0.001));
        assertThat(histogram.maxMillis()).isCloseTo(1000.123, within(0.001));
    }

    @Test
    void smallLatenciesKeepTenMicrosecondResolution() {
        LatencyHistogram histogram = new LatencyHistogram();
        histogram.record(2_345_000);
        histogram.record(-5);

        assertThat(histogram.percentileMillis(100)).isCloseTo(2.345, within(0.01));
        assertThat(histogram.percentileMillis(1)).isCloseTo(0.0, within(0.01));
        assertThat(new LatencyHistogram().percentileMillis(99)).isZero();
    }

    @Test
    void concurrentRecordsAreAllCounted() throws Exception {
        LatencyHistogram histogram = new LatencyHistogram();
        int threads = 8;
        int perThread = 50_000;
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> recorders = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread recorder = new Thread(() -> {
                try {
                    start.await();
                }
                catch (InterruptedException ex) {
                    return;
                }
                for (int i = 0; i < perThread; i++) {
                    histogram.record(5_000_000);
                }
            });
            recorder.start();
            recorders.add(recorder);
        }
        start.countDown();
        for (Thread recorder : recorders) {
            recorder.join();
        }

        assertThat(histogram.count()).isEqualTo((long) threads * perThread);
        assertThat(histogram.percentileMillis(1)).isCloseTo(5.0, within(0.011));
    }
}
