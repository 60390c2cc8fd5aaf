package dev.apalis.spring.boot;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import dev.apalis.worker.WorkerBuilder;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 12: a stop fits Spring's shutdown phase, or start-up says by how much it does not and which
 * property to change.
 */
@ExtendWith(OutputCaptureExtension.class)
class WorkerLifecycleShutdownPhaseTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(ApalisAutoConfiguration.class))
        .withUserConfiguration(WorkerLifecycleTests.Handlers.class);

    @Test
    void theDefaultsFitSpringsDefaultPhaseTimeout(CapturedOutput output) {
        this.runner.run((context) -> {
            WorkerLifecycle lifecycle = context.getBean(WorkerLifecycle.class);
            assertThat(lifecycle.worstCaseStopTime()).isEqualTo(Duration.ofSeconds(29))
                .isLessThanOrEqualTo(WorkerLifecycle.DEFAULT_PHASE_TIMEOUT);
        });
        assertThat(output).doesNotContain("may take up to");
    }

    @Test
    void aShutdownTimeoutThatDoesNotFitThePhaseIsReportedWithTheNumbersAndTheProperties(CapturedOutput output) {
        this.runner.withPropertyValues("apalis.workers.slow.shutdown-timeout=40s").run((context) -> {
            assertThat(context.getBean(WorkerLifecycle.class).worstCaseStopTime()).isEqualTo(Duration.ofSeconds(44));
        });
        assertThat(output).contains("Apalis workers may take up to 44 s to stop (worker 'slow': shutdown timeout 40 s "
                + "+ 4 s for interrupted handlers and the last outcomes), longer than the 30 s Spring gives their "
                + "lifecycle phase (spring.lifecycle.timeout-per-shutdown-phase)")
            .contains("Set apalis.shutdown.timeout (or apalis.workers.slow.shutdown-timeout) to at most 26 s, or "
                    + "spring.lifecycle.timeout-per-shutdown-phase to at least 44 s");
    }

    @Test
    void aLongerPhaseTimeoutMakesTheSameSettingFit(CapturedOutput output) {
        this.runner
            .withPropertyValues("apalis.workers.slow.shutdown-timeout=40s", "spring.lifecycle.timeout-per-shutdown-phase=1m")
            .run((context) -> assertThat(context).hasNotFailed());
        assertThat(output).doesNotContain("may take up to");
    }

    @Test
    void theWorstCaseIsTheShutdownTimeoutPlusTheSettleWaitAndTheLastWrites() {
        assertThat(WorkerBuilder.worstCaseStopTime(Duration.ofSeconds(25))).isEqualTo(Duration.ofSeconds(28));
    }
}
