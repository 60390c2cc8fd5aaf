package dev.apalis.backend.conformance;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import dev.apalis.backend.BackendMaintenance;
import dev.apalis.backend.Completion;
import dev.apalis.task.Task;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskOptions;
import dev.apalis.task.TaskStatus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What a {@link BackendMaintenance} does: finished tasks past their retention are deleted, every other
 * task stays. (Rescue is checked by {@link WorkerLeasesContract}.)
 */
public interface MaintenanceContract extends BackendFixture {

    @Test
    default void finishedTasksPastTheirRetentionAreDeletedAndNoOtherTask() {
        Assumptions.assumeTrue(backend() instanceof BackendMaintenance, "the backend offers no maintenance rounds");
        Duration retention = retention();
        Assumptions.assumeTrue(retention != null, "the test gives no retention short enough to wait for");
        BackendMaintenance maintenance = (BackendMaintenance) backend();
        String queue = queue("retention");
        TaskId done = push(queue);
        TaskId killed = push(queue);
        String worker = worker(queue);
        assertThat(claim(queue, worker, 2)).hasSize(2);
        backend().complete(worker, List.of(Completion.done(done), Completion.kill(killed, "broken")));
        TaskId failed = push(queue);
        assertThat(claim(queue, worker, 1)).hasSize(1);
        backend().complete(worker, List.of(Completion.retry(failed, Duration.ofHours(1), "later")));
        TaskId pending = push(queue, TaskOptions.defaults().delay(Duration.ofHours(2)));
        maintenance.pruneFinished();
        assertThat(backend().find(done)).as("not past its retention yet").isPresent();
        assertThat(backend().find(killed)).as("not past its retention yet").isPresent();

        elapse(retention.plusMillis(500));
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            maintenance.pruneFinished();
            return backend().find(done).isEmpty() && backend().find(killed).isEmpty();
        });

        assertThat(task(failed).status()).isEqualTo(TaskStatus.FAILED);
        assertThat(task(pending).status()).isEqualTo(TaskStatus.PENDING);
    }

    @Test
    default void aRescueRoundWithNothingToRescueChangesNothing() {
        Assumptions.assumeTrue(backend() instanceof BackendMaintenance, "the backend offers no maintenance rounds");
        String queue = queue("rescue-nothing");
        TaskId claimed = push(queue);
        TaskId waiting = push(queue);
        String worker = worker(queue);
        assertThat(claim(queue, worker, 1)).extracting(Task::id).containsExactly(claimed);

        ((BackendMaintenance) backend()).rescueOrphans();

        assertThat(task(claimed).status()).as("its worker is alive").isEqualTo(TaskStatus.RUNNING);
        assertThat(task(waiting).status()).isEqualTo(TaskStatus.PENDING);
    }
}
