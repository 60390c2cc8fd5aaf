package dev.apalis.spring.boot.actuate;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;

import dev.apalis.backend.Completion;
import dev.apalis.backend.memory.MemoryStorage;
import dev.apalis.spring.TestWorkers;
import dev.apalis.spring.WorkerActivity;
import dev.apalis.spring.boot.actuate.ApalisEndpoint.ActionDescriptor;
import dev.apalis.spring.boot.actuate.ApalisEndpoint.ApalisDescriptor;
import dev.apalis.spring.boot.actuate.ApalisEndpoint.QueueDescriptor;
import dev.apalis.spring.boot.actuate.ApalisEndpoint.TaskDescriptor;
import dev.apalis.spring.boot.actuate.ApalisEndpoint.WorkerDescriptor;
import dev.apalis.task.NewTask;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskOptions;
import dev.apalis.worker.WorkerEvent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The endpoint's operations on a memory backend and test workers, and the web extension's statuses.
 */
class ApalisEndpointTests {

    private final MemoryStorage storage = new MemoryStorage();

    private final TestWorkers workers = new TestWorkers();

    private final WorkerActivity activity = new WorkerActivity(this.workers);

    private final ApalisEndpoint endpoint = new ApalisEndpoint(this.storage, this.workers, this.activity);

    private final ApalisEndpointWebExtension web = new ApalisEndpointWebExtension(this.endpoint);

    private TaskId push(String queue, TaskOptions options) {
        return this.storage.push(new NewTask(queue, "{}", options));
    }

    private TaskId killed(String queue) {
        TaskId id = push(queue, TaskOptions.defaults());
        this.storage.claim(queue, "w", 1);
        this.storage.complete("w", List.of(Completion.kill(id, "it broke")));
        return id;
    }

    @Test
    void readsEveryWorkerWithItsStateAndCounts() {
        TestWorkers.FakeWorker email = this.workers.running("email");
        email.setInFlight(1);
        this.workers.define("reports", false);
        this.activity.onEvent(email, new WorkerEvent.TaskSucceeded("email", Instant.now(), TaskId.next(), "email", 1,
                Duration.ZERO));

        ApalisDescriptor all = this.endpoint.apalis();

        assertThat(all.workers()).containsExactly(
                new WorkerDescriptor("email", "email", "RUNNING", 4, 1, 1, 1, 0, 0, null, null),
                new WorkerDescriptor("reports", "reports", "DISABLED", 4, 0, 0, 0, 0, 0, null, null));
        assertThat(this.endpoint.section("workers")).isEqualTo(new ApalisEndpoint.WorkersDescriptor(all.workers()));
        assertThat(this.endpoint.item("workers", "email", null, null, null)).isEqualTo(all.workers().get(0));
        assertThat(this.endpoint.item("workers", "nobody", null, null, null)).isNull();
    }

    @Test
    void readsEveryQueueWithItsCountsAndTheAgeOfItsOldestDueTask() {
        Instant due = Instant.now().minusSeconds(90);
        push("email", TaskOptions.defaults().runAt(due));
        push("email", TaskOptions.defaults().delay(Duration.ofHours(1)));
        killed("sms");

        Map<String, QueueDescriptor> queues = this.endpoint.apalis().queues();

        assertThat(queues).containsOnlyKeys("email", "sms");
        QueueDescriptor email = queues.get("email");
        assertThat(email.tasks()).containsExactly(Map.entry("PENDING", 2L), Map.entry("RUNNING", 0L),
                Map.entry("DONE", 0L), Map.entry("FAILED", 0L), Map.entry("KILLED", 0L));
        assertThat(email.oldestDueAt()).isEqualTo(due);
        assertThat(email.oldestDueAgeSeconds()).isBetween(89.0, 120.0);
        assertThat(queues.get("sms").tasks()).containsEntry("KILLED", 1L);
        assertThat(queues.get("sms").oldestDueAt()).isNull();
        assertThat(queues.get("sms").oldestDueAgeSeconds()).isNull();
        assertThat(this.endpoint.section("queues")).isInstanceOfSatisfying(ApalisEndpoint.QueuesDescriptor.class,
                (section) -> assertThat(section.queues()).containsOnlyKeys("email", "sms"));
        assertThat(this.endpoint.section("elsewhere")).isNull();
    }

    @Test
    void readsOneTaskWithoutItsPayload() {
        TaskId id = killed("sms");

        Object task = this.endpoint.item("tasks", id.toString(), null, null, null);

        assertThat(task).isInstanceOfSatisfying(TaskDescriptor.class, (descriptor) -> {
            assertThat(descriptor.id()).isEqualTo(id.toString());
            assertThat(descriptor.status()).isEqualTo("KILLED");
            assertThat(descriptor.lastError()).isEqualTo("it broke");
            assertThat(descriptor.finishedAt()).isNotNull();
        });
        assertThat(this.endpoint.item("tasks", TaskId.next().toString(), null, null, null)).isNull();
        assertThat(this.endpoint.item("tasks", "not-a-uuid", null, null, null)).isNull();
        assertThat(this.endpoint.item("elsewhere", id.toString(), null, null, null)).isNull();
    }

    @Test
    void pausesAndResumesARunningWorker() {
        TestWorkers.FakeWorker email = this.workers.running("email");

        ActionDescriptor paused = this.endpoint.act("workers", "email", "pause", null);
        assertThat(email.isPaused()).isTrue();
        assertThat(paused.applied()).isTrue();
        assertThat(paused.worker().state()).isEqualTo("PAUSED");

        ActionDescriptor resumed = this.endpoint.act("workers", "email", "RESUME", null);
        assertThat(email.isPaused()).isFalse();
        assertThat(resumed.worker().state()).isEqualTo("RUNNING");
        assertThat(this.web.act("workers", "email", "pause", null).getStatus()).isEqualTo(200);
    }

    @Test
    void aWorkerThatDoesNotRunCannotBePausedAndAnUnknownOneIsNotFound() {
        this.workers.define("reports", false);

        ActionDescriptor refused = this.endpoint.act("workers", "reports", "pause", null);

        assertThat(refused.applied()).isFalse();
        assertThat(refused.message()).contains("does not run");
        assertThat(this.web.act("workers", "reports", "pause", null).getStatus()).isEqualTo(409);
        assertThat(this.endpoint.act("workers", "nobody", "pause", null)).isNull();
        assertThat(this.web.act("workers", "nobody", "pause", null).getStatus())
            .isEqualTo(WebEndpointResponse.STATUS_NOT_FOUND);
        assertThat(this.web.act("elsewhere", "email", "pause", null).getStatus())
            .isEqualTo(WebEndpointResponse.STATUS_NOT_FOUND);
    }

    @Test
    void retriesAKilledTaskButNotAPendingOne() {
        TaskId killed = killed("sms");
        TaskId pending = push("sms", TaskOptions.defaults());

        WebEndpointResponse<ActionDescriptor> retried = this.web.act("tasks", killed.toString(), "retry", null);
        WebEndpointResponse<ActionDescriptor> refused = this.web.act("tasks", pending.toString(), "retry", null);

        assertThat(retried.getStatus()).isEqualTo(200);
        assertThat(retried.getBody().task().status()).isEqualTo("PENDING");
        assertThat(retried.getBody().task().attempts()).isZero();
        assertThat(refused.getStatus()).isEqualTo(409);
        assertThat(refused.getBody().applied()).isFalse();
        assertThat(refused.getBody().task().status()).isEqualTo("PENDING");
    }

    @Test
    void cancelsAPendingTaskButNotAKilledOne() {
        TaskId pending = push("sms", TaskOptions.defaults().delay(Duration.ofHours(1)));
        TaskId killed = killed("sms");

        WebEndpointResponse<ActionDescriptor> cancelled = this.web.act("tasks", pending.toString(), "cancel", null);

        assertThat(cancelled.getStatus()).isEqualTo(200);
        assertThat(cancelled.getBody().task().status()).isEqualTo("KILLED");
        assertThat(cancelled.getBody().task().lastError()).isEqualTo("Cancelled by an operator");
        assertThat(this.web.act("tasks", killed.toString(), "cancel", null).getStatus()).isEqualTo(409);
        assertThat(this.web.act("tasks", TaskId.next().toString(), "cancel", null).getStatus()).isEqualTo(404);
        assertThat(this.web.act("tasks", "not-a-uuid", "cancel", null).getStatus()).isEqualTo(404);
    }

    @Test
    void anUnknownActionIsABadRequestNamingTheValidOnes() {
        this.workers.running("email");
        TaskId id = push("sms", TaskOptions.defaults());

        assertThatExceptionOfType(InvalidEndpointRequestException.class)
            .isThrownBy(() -> this.endpoint.act("workers", "email", "stop", null))
            .withMessageContaining("use one of pause, resume");
        WebEndpointResponse<ActionDescriptor> response = this.web.act("tasks", id.toString(), "explode", null);
        assertThat(response.getStatus()).isEqualTo(WebEndpointResponse.STATUS_BAD_REQUEST);
        assertThat(response.getBody().message())
            .isEqualTo("Unknown task action 'explode': use one of retry, cancel, delete, reschedule");
        assertThat(this.web.act("queues", "sms", "drain", null).getBody().message())
            .contains("use one of pause, resume");
        assertThatExceptionOfType(InvalidEndpointRequestException.class)
            .isThrownBy(() -> this.endpoint.act("tasks", id.toString(), null, null));
    }

    @Test
    void pausingAPausedWorkerSaysSoAndIsNotApplied() {
        this.workers.running("email");
        assertThat(this.endpoint.act("workers", "email", "pause", null).applied()).isTrue();

        WebEndpointResponse<ActionDescriptor> again = this.web.act("workers", "email", "pause", null);

        assertThat(again.getStatus()).isEqualTo(409);
        assertThat(again.getBody().applied()).isFalse();
        assertThat(again.getBody().message()).isEqualTo("Worker 'email' is already paused: nothing to pause");
        assertThat(this.endpoint.act("workers", "email", "resume", null).applied()).isTrue();
        assertThat(this.endpoint.act("workers", "email", "resume", null).message()).contains("already running");
    }

    @Test
    void pausesAndResumesAQueueAcrossTheClusterSayingWhenNothingChanges() {
        TaskId id = push("sms", TaskOptions.defaults());

        assertThat(this.web.act("queues", "sms", "pause", null).getStatus()).isEqualTo(200);
        assertThat(this.storage.pausedQueues()).containsExactly("sms");
        assertThat(this.storage.claim("sms", "w", 1)).isEmpty();
        ActionDescriptor again = this.endpoint.act("queues", "sms", "pause", null);
        assertThat(again.applied()).isFalse();
        assertThat(again.message()).isEqualTo("Queue 'sms' is already paused: nothing to pause");

        assertThat(this.endpoint.act("queues", "sms", "resume", null).applied()).isTrue();
        assertThat(this.storage.claim("sms", "w", 1)).extracting(dev.apalis.task.Task::id).containsExactly(id);
    }

    @Test
    void listsAQueueInPagesAndDeletesAndReschedulesTasks() {
        TaskId first = killed("sms");
        TaskId second = killed("sms");

        Object page = this.endpoint.item("queues", "sms", "killed", null, 1);

        assertThat(page).isInstanceOfSatisfying(ApalisEndpoint.TaskPageDescriptor.class, (descriptor) -> {
            assertThat(descriptor.tasks()).hasSize(1);
            assertThat(descriptor.next()).isNotNull();
            Object rest = this.endpoint.item("queues", "sms", "KILLED", descriptor.next(), 1);
            assertThat(rest).isInstanceOfSatisfying(ApalisEndpoint.TaskPageDescriptor.class,
                    (next) -> assertThat(java.util.stream.Stream.of(descriptor, next)
                        .flatMap((p) -> p.tasks().stream())
                        .map(TaskDescriptor::id)).containsExactlyInAnyOrder(first.toString(), second.toString()));
        });
        assertThatExceptionOfType(InvalidEndpointRequestException.class)
            .isThrownBy(() -> this.endpoint.item("queues", "sms", "lost", null, null))
            .withMessageContaining("Unknown status 'lost'");

        assertThat(this.web.act("tasks", first.toString(), "delete", null).getStatus()).isEqualTo(200);
        assertThat(this.storage.find(first)).isEmpty();

        TaskId waiting = push("sms", TaskOptions.defaults());
        ActionDescriptor moved = this.endpoint.act("tasks", waiting.toString(), "reschedule", "2040-01-01T00:00:00Z");
        assertThat(moved.applied()).isTrue();
        assertThat(moved.task().runAt()).isEqualTo(java.time.Instant.parse("2040-01-01T00:00:00Z"));
        assertThat(this.web.act("tasks", waiting.toString(), "reschedule", "tomorrow").getStatus())
            .isEqualTo(WebEndpointResponse.STATUS_BAD_REQUEST);
    }

    @Test
    void taskDetailsGiveTheFirstLineOfAnErrorNeverTheStackTrace() {
        TaskId id = push("sms", TaskOptions.defaults());
        this.storage.claim("sms", "w", 1);
        this.storage.complete("w", List.of(Completion.kill(id,
                "java.lang.IllegalStateException: broke\n\tat a.b.C.d(C.java:1)\n\tat a.b.C.e(C.java:2)")));

        Object task = this.endpoint.item("tasks", id.toString(), null, null, null);

        assertThat(task).isInstanceOfSatisfying(TaskDescriptor.class, (descriptor) -> {
            assertThat(descriptor.error()).isEqualTo("java.lang.IllegalStateException: broke");
            assertThat(descriptor.lastError()).isEqualTo("java.lang.IllegalStateException: broke");
        });
    }
}
