package dev.apalis.task;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

class TaskOptionsTest {

    private static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");

    @Test
    void defaultsRunNowAtPriorityZeroWithTheWorkersPolicy() {
        TaskOptions options = TaskOptions.defaults();
        assertThat(options.firstRunAt(NOW)).isEqualTo(NOW);
        assertThat(options.priority()).isZero();
        assertThat(options.maxAttempts()).isZero();
        assertThat(options.uniqueKey()).isNull();
        assertThat(options.metadata()).isEmpty();
    }

    @Test
    void delayOrRunAtDecideTheFirstRunButNotBoth() {
        assertThat(TaskOptions.defaults().delay(Duration.ofMinutes(5)).firstRunAt(NOW)).isEqualTo(NOW.plusSeconds(300));
        Instant at = NOW.plusSeconds(3600);
        assertThat(TaskOptions.defaults().runAt(at).firstRunAt(NOW)).isEqualTo(at);
        assertThatIllegalArgumentException()
            .isThrownBy(() -> TaskOptions.defaults().delay(Duration.ofMinutes(5)).runAt(at))
            .withMessageStartingWith("A task runs at a time or after a delay, not both");
        assertThatIllegalArgumentException()
            .isThrownBy(() -> TaskOptions.defaults().runAt(at).delay(Duration.ofSeconds(1)));
        assertThatIllegalArgumentException()
            .isThrownBy(() -> new TaskOptions(at, Duration.ofSeconds(1), 0, 0, null, null));
        assertThat(TaskOptions.defaults().runAt(at).runAt(null).delay(Duration.ofSeconds(1)).firstRunAt(NOW))
            .isEqualTo(NOW.plusSeconds(1));
    }

    @Test
    void withMethodsReturnNewInstancesAndKeepTheOtherFields() {
        TaskOptions base = TaskOptions.defaults();
        TaskOptions options = base.priority(-3).maxAttempts(7).uniqueKey("welcome:1").metadata("trace", "abc")
            .metadata("tenant", "t1").delay(Duration.ofSeconds(2));
        assertThat(base).isEqualTo(TaskOptions.defaults());
        assertThat(options.priority()).isEqualTo(-3);
        assertThat(options.maxAttempts()).isEqualTo(7);
        assertThat(options.uniqueKey()).isEqualTo("welcome:1");
        assertThat(options.metadata()).containsExactlyInAnyOrderEntriesOf(Map.of("trace", "abc", "tenant", "t1"));
        assertThat(options.delay()).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void metadataIsImmutable() {
        TaskOptions options = TaskOptions.defaults().metadata("a", "1");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> options.metadata().put("b", "2"))
            .isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void rejectsInvalidValuesWithClearMessages() {
        assertThatIllegalArgumentException().isThrownBy(() -> TaskOptions.defaults().delay(Duration.ofSeconds(-1)))
            .withMessage("delay must not be negative, was PT-1S");
        assertThatIllegalArgumentException().isThrownBy(() -> TaskOptions.defaults().maxAttempts(0))
            .withMessage("maxAttempts must be 1 or more, was 0");
        assertThatIllegalArgumentException().isThrownBy(() -> new TaskOptions(null, null, 0, -1, null, null))
            .withMessageContaining("maxAttempts must be 1 or more (or 0 for the worker's default), was -1");
        assertThatIllegalArgumentException().isThrownBy(() -> TaskOptions.defaults().uniqueKey(" "))
            .withMessageContaining("uniqueKey must not be blank");
        assertThat(TaskOptions.defaults().uniqueKey("k").uniqueKey(null).uniqueKey()).isNull();
    }

    @Test
    void newTaskNeedsAQueueAndAPayloadAndDefaultsItsOptions() {
        assertThat(new NewTask("email", "{}", null).options()).isEqualTo(TaskOptions.defaults());
        assertThatIllegalArgumentException().isThrownBy(() -> new NewTask(" ", "{}", null))
            .withMessage("queue must not be blank");
        assertThatNullPointerException().isThrownBy(() -> new NewTask("email", null, null)).withMessage("payload");
    }

    @Test
    void retryTaskExceptionRejectsANegativeDelay() {
        assertThat(new RetryTaskException("later", Duration.ofSeconds(3)).retryAfter()).isEqualTo(Duration.ofSeconds(3));
        assertThatIllegalArgumentException()
            .isThrownBy(() -> new RetryTaskException("later", Duration.ofSeconds(-3)))
            .withMessage("retryAfter must not be negative, was PT-3S");
    }

    @Test
    void onlyDoneAndKilledAreFinished() {
        assertThat(TaskStatus.values()).filteredOn(TaskStatus::isFinished)
            .containsExactlyInAnyOrder(TaskStatus.DONE, TaskStatus.KILLED);
    }
}
