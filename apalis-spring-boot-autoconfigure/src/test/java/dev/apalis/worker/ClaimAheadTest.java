package dev.apalis.worker;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class ClaimAheadTest {

    @Test
    void aFixedPrefetchIgnoresWhatClaimsShow() {
        ClaimAhead prefetch = ClaimAhead.fixed(3);
        prefetch.claimed(0, 50, true);
        assertThat(prefetch.tasks()).isEqualTo(3);
        prefetch.claimed(10, 0, false);
        assertThat(prefetch.tasks()).isEqualTo(3);
        assertThatIllegalArgumentException().isThrownBy(() -> ClaimAhead.fixed(-1));
    }

    @Test
    void growsWhileHandlersWaitForFullClaims() {
        ClaimAhead prefetch = ClaimAhead.adaptive();
        assertThat(prefetch.tasks()).isZero();
        int[] expected = { 1, 3, 7, 15, 31, 63, 127, 255, 511, 1023, ClaimAhead.ADAPTIVE_MAX, ClaimAhead.ADAPTIVE_MAX };
        for (int step : expected) {
            // Nothing waited when the claim was sent, and tasks finished while it was in flight.
            prefetch.claimed(0, 4, true);
            assertThat(prefetch.tasks()).isEqualTo(step);
        }
    }

    @Test
    void doesNotGrowWhenTasksThatFinishedFoundAWaitingTask() {
        ClaimAhead prefetch = grown(7);
        prefetch.claimed(3, 3, true);
        assertThat(prefetch.tasks()).isEqualTo(7);
    }

    @Test
    void doesNotGrowForLongTasks() {
        ClaimAhead prefetch = ClaimAhead.adaptive();
        for (int n = 0; n < 100; n++) {
            // A slot freed, the worker claimed for it, and no other task finished meanwhile.
            prefetch.claimed(0, 0, true);
        }
        assertThat(prefetch.tasks()).isZero();
    }

    @Test
    void shrinksByAQuarterWhenTasksClaimedAheadOutlastTheClaim() {
        ClaimAhead prefetch = grown(ClaimAhead.ADAPTIVE_MAX);
        prefetch.claimed(100, 10, true);
        assertThat(prefetch.tasks()).isEqualTo(768);
        prefetch.claimed(90, 10, true);
        assertThat(prefetch.tasks()).isEqualTo(576);
        for (int n = 0; n < 50; n++) {
            prefetch.claimed(90, 10, true);
        }
        assertThat(prefetch.tasks()).isZero();
    }

    @Test
    void fallsBackToNothingWhenTheQueueRunsDry() {
        ClaimAhead prefetch = grown(63);
        prefetch.claimed(0, 40, false);
        assertThat(prefetch.tasks()).isZero();
    }

    private static ClaimAhead grown(int tasks) {
        ClaimAhead prefetch = ClaimAhead.adaptive();
        while (prefetch.tasks() < tasks) {
            prefetch.claimed(0, 1, true);
        }
        assertThat(prefetch.tasks()).isEqualTo(tasks);
        return prefetch;
    }
}
