package dev.apalis.backend.conformance;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.apalis.backend.BackendCapability;
import dev.apalis.backend.ClaimRequest;
import dev.apalis.backend.Completion;
import dev.apalis.backend.TaskManagement;
import dev.apalis.backend.WorkerLeases;
import dev.apalis.task.Task;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskOptions;
import dev.apalis.task.TaskStatus;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What every {@link WorkerLeases} with an orphan threshold does: a silent worker's tasks come back (a
 * started one charged, an unstarted one not, one at its last attempt killed), a live worker keeps its
 * claims, a rescued worker's late outcome is ignored, and (with {@link BackendCapability#LOST_CLAIM_RECOVERY})
 * a claim whose reply was lost comes back uncharged.
 */
public interface WorkerLeasesContract extends BackendFixture {

    /**
     * A little more than the orphan threshold.
     * @return the time after which a silent worker's claims are orphans
     */
    private Duration pastThreshold() {
        return orphanThreshold().plus(orphanThreshold().dividedBy(4));
    }

    @Test
    default void aSilentWorkersStartedTaskComesBackWithItsAttemptCounted() {
        String queue = queue("rescue-started");
        TaskId id = push(queue, TaskOptions.defaults().maxAttempts(3));
        String silent = worker(queue);
        assertThat(claim(queue, silent, 1)).hasSize(1);

        elapse(pastThreshold());
        Task rescued = awaitRescued(id);

        assertThat(rescued.status()).isEqualTo(TaskStatus.PENDING);
        assertThat(rescued.attempts()).as("the interrupted attempt counts").isEqualTo(1);
        assertThat(rescued.lastError()).isNotBlank();
        if (backend() instanceof TaskManagement management) {
            assertThat(management.details(id).orElseThrow().attemptErrors()).singleElement()
                .satisfies((error) -> assertThat(error.attempt()).isEqualTo(1));
        }
        assertThat(claim(queue, worker(queue), 1)).extracting(Task::attempts).containsExactly(2);
    }

    @Test
    default void aSilentWorkersUnstartedTaskComesBackUnchargedAndItsNextClaimChargesIt() {
        String queue = queue("rescue-unstarted");
        TaskId id = push(queue);
        String silent = worker(queue);
        assertThat(backend().claim(new ClaimRequest(queue, silent, 1, 0, 0))).hasSize(1);

        elapse(pastThreshold());
        Task rescued = awaitRescued(id);

        assertThat(rescued.status()).isEqualTo(TaskStatus.PENDING);
        assertThat(rescued.attempts()).as("it never started").isZero();
        String next = worker(queue);
        assertThat(backend().claim(new ClaimRequest(queue, next, 1, 0, 0))).extracting(Task::attempts)
            .containsExactly(1);
        assertThat(task(id).attempts()).as("charged at its claim, wherever it stands").isEqualTo(1);
    }

    @Test
    default void aSilentWorkersTaskAtItsLastAttemptIsKilled() {
        String queue = queue("rescue-last");
        TaskId id = push(queue, TaskOptions.defaults().maxAttempts(1));
        assertThat(claim(queue, worker(queue), 1)).hasSize(1);

        elapse(pastThreshold());
        Task killed = awaitRescued(id);

        assertThat(killed.status()).isEqualTo(TaskStatus.KILLED);
        assertThat(killed.attempts()).isEqualTo(1);
        assertThat(killed.lastError()).isNotBlank();
        assertThat(killed.finishedAt()).isNotNull();
    }

    @Test
    default void aWorkerThatHeartBeatsKeepsItsClaims() {
        String queue = queue("live");
        TaskId id = push(queue);
        String live = worker(queue);
        assertThat(claim(queue, live, 1)).hasSize(1);

        for (int i = 0; i < 3; i++) {
            elapse(orphanThreshold().dividedBy(2));
            backend().heartbeat(live, List.of(id));
            maintain();
        }

        assertThat(task(id).status()).isEqualTo(TaskStatus.RUNNING);
        backend().complete(live, List.of(Completion.done(id)));
        assertThat(task(id).status()).isEqualTo(TaskStatus.DONE);
    }

    @Test
    default void aRescuedWorkersLateOutcomeIsIgnored() {
        String queue = queue("late");
        TaskId id = push(queue);
        String stalled = worker(queue);
        assertThat(claim(queue, stalled, 1)).hasSize(1);
        elapse(pastThreshold());
        awaitRescued(id);
        String next = worker(queue);
        assertThat(claim(queue, next, 1)).extracting(Task::attempts).containsExactly(2);

        backend().heartbeat(stalled);
        backend().complete(stalled, List.of(Completion.kill(id, "late news from a stalled worker")));
        backend().release(stalled, List.of(id));

        assertThat(task(id).status()).isEqualTo(TaskStatus.RUNNING);
        backend().complete(next, List.of(Completion.done(id)));
        Task done = task(id);
        assertThat(done.status()).isEqualTo(TaskStatus.DONE);
        assertThat(done.attempts()).isEqualTo(2);
    }

    @Test
    default void aClaimALiveWorkerDoesNotNameComesBackUncharged() {
        assumeCapability(BackendCapability.LOST_CLAIM_RECOVERY);
        String queue = queue("lost-reply");
        TaskId lost = push(queue);
        TaskId held = push(queue);
        String worker = worker(queue);
        assertThat(claim(queue, worker, 2)).hasSize(2);

        for (int i = 0; i < 3; i++) {
            elapse(orphanThreshold().dividedBy(2));
            backend().heartbeat(worker, List.of(held));
        }
        Task back = awaitRescued(lost);

        assertThat(back.status()).isEqualTo(TaskStatus.PENDING);
        assertThat(back.attempts()).as("the claim's reply never arrived: nothing ran").isZero();
        assertThat(task(held).status()).as("named as held").isEqualTo(TaskStatus.RUNNING);
    }

    @Test
    default void theOrphanThresholdIsPositive() {
        assertThat(orphanThreshold()).isPositive();
    }
}
