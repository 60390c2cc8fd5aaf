package dev.apalis.observation;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import io.micrometer.common.KeyValue;
import io.micrometer.common.KeyValues;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.micrometer.observation.transport.Kind;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.apalis.task.NewTask;
import dev.apalis.task.PayloadException;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskOptions;

import static io.micrometer.observation.tck.TestObservationRegistryAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every attempt is one {@code apalis.task} observation with its worker, queue and outcome, its task id
 * and attempt, and its error; the handler runs inside it.
 */
class ObservationTaskInterceptorTests {

    private final TestObservationRegistry registry = TestObservationRegistry.create();

    private final List<ApalisTaskObservationContext> stopped = new CopyOnWriteArrayList<>();

    private final List<Observation> currentInHandler = new CopyOnWriteArrayList<>();

    private TaskRunner runner;

    private TaskRunner start(ApalisTaskObservationConvention convention) {
        this.registry.observationConfig().observationHandler(new ObservationHandler<ApalisTaskObservationContext>() {

            @Override
            public void onStop(ApalisTaskObservationContext context) {
                ObservationTaskInterceptorTests.this.stopped.add(context);
            }

            @Override
            public boolean supportsContext(Observation.Context context) {
                return context instanceof ApalisTaskObservationContext;
            }
        });
        this.runner = new TaskRunner(() -> this.currentInHandler.add(this.registry.getCurrentObservation()),
                new ObservationTaskInterceptor(this.registry, convention));
        return this.runner;
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (this.runner != null) {
            this.runner.close();
        }
    }

    @Test
    void aSuccessfulAttemptIsOneObservationWithItsWorkerQueueAndOutcome() {
        TaskRunner tasks = start(null);
        TaskId id = tasks.push("ok");
        tasks.awaitFinished(id);

        assertThat(this.registry).hasNumberOfObservationsWithNameEqualTo("apalis.task", 1)
            .hasObservationWithNameEqualTo("apalis.task")
            .that()
            .hasContextualNameEqualTo("process job-queue")
            .hasLowCardinalityKeyValue("worker", "jobs")
            .hasLowCardinalityKeyValue("queue", "job-queue")
            .hasLowCardinalityKeyValue("outcome", "success")
            .hasHighCardinalityKeyValue("task.id", id.toString())
            .hasHighCardinalityKeyValue("task.attempt", "1")
            .doesNotHaveError()
            .hasBeenStarted()
            .hasBeenStopped();
    }

    @Test
    void aFailedAttemptThatWillBeRetriedIsAFailureAndTheRetryASuccess() {
        TaskRunner tasks = start(null);
        TaskId id = tasks.push("fail-once");
        tasks.awaitFinished(id);

        assertThat(this.stopped).hasSize(2);
        assertThat(this.stopped.get(0).getLowCardinalityKeyValue("outcome").getValue()).isEqualTo("failure");
        assertThat(this.stopped.get(0).getHighCardinalityKeyValue("task.attempt").getValue()).isEqualTo("1");
        assertThat(this.stopped.get(0).getError()).isInstanceOf(IllegalStateException.class)
            .hasMessage("first attempt fails");
        assertThat(this.stopped.get(1).getLowCardinalityKeyValue("outcome").getValue()).isEqualTo("success");
        assertThat(this.stopped.get(1).getHighCardinalityKeyValue("task.attempt").getValue()).isEqualTo("2");
        assertThat(this.stopped.get(1).getError()).isNull();
    }

    @Test
    void theLastFailedAttemptAndAnAbortedOneAreKilled() {
        TaskRunner tasks = start(null);
        TaskId exhausted = tasks.push("fail");
        TaskId aborted = tasks.push("abort", TaskOptions.defaults().maxAttempts(5));
        tasks.awaitFinished(exhausted);
        tasks.awaitFinished(aborted);

        assertThat(outcomes(exhausted)).containsExactly("failure", "killed");
        assertThat(outcomes(aborted)).containsExactly("killed");
    }

    @Test
    void anUnreadablePayloadIsKilledInsideTheObservation() {
        TaskRunner tasks = start(null);
        TaskId id = tasks.storage.push(new NewTask("job-queue", "[\"not a job\"]", TaskOptions.defaults()));
        tasks.awaitFinished(id);

        assertThat(outcomes(id)).containsExactly("killed");
        assertThat(this.stopped.get(0).getError()).isInstanceOf(PayloadException.class);
    }

    @Test
    void theHandlerRunsWithTheAttemptsObservationCurrentAndItEndsWithIt() {
        TaskRunner tasks = start(null);
        TaskId id = tasks.push("ok");
        tasks.awaitFinished(id);

        assertThat(this.currentInHandler).singleElement()
            .satisfies((observation) -> assertThat(observation.getContext()).isSameAs(this.stopped.get(0)));
        assertThat(this.registry.getCurrentObservation()).isNull();
    }

    @Test
    void theTasksMetadataIsTheCarrierAConsumerReadsTraceHeadersFrom() {
        TaskRunner tasks = start(null);
        TaskId id = tasks.push("ok", TaskOptions.defaults().metadata("traceparent", "00-abc-def-01"));
        tasks.awaitFinished(id);

        ApalisTaskObservationContext context = this.stopped.get(0);
        assertThat(context.getKind()).isEqualTo(Kind.CONSUMER);
        assertThat(context.getCarrier()).isEqualTo(Map.of("traceparent", "00-abc-def-01"));
        assertThat(context.getGetter().get(context.getCarrier(), "traceparent")).isEqualTo("00-abc-def-01");
        assertThat(context.getTask().taskId()).isEqualTo(id);
    }

    @Test
    void aCustomConventionNamesTheObservationAndItsKeys() {
        TaskRunner tasks = start(new DefaultApalisTaskObservationConvention() {

            @Override
            public String getName() {
                return "jobs.run";
            }

            @Override
            public KeyValues getLowCardinalityKeyValues(ApalisTaskObservationContext context) {
                return super.getLowCardinalityKeyValues(context).and(KeyValue.of("tenant", "acme"));
            }
        });
        TaskId id = tasks.push("ok");
        tasks.awaitFinished(id);

        assertThat(this.registry).hasObservationWithNameEqualTo("jobs.run")
            .that()
            .hasLowCardinalityKeyValue("tenant", "acme")
            .hasLowCardinalityKeyValue("outcome", "success");
    }

    @Test
    void withANoopRegistryTheHandlerStillRuns() throws InterruptedException {
        try (TaskRunner tasks = new TaskRunner(() -> {
        }, new ObservationTaskInterceptor(ObservationRegistry.NOOP))) {
            TaskId id = tasks.push("fail-once");
            tasks.awaitFinished(id);
            assertThat(tasks.handled).hasSize(2);
        }
    }

    private List<String> outcomes(TaskId id) {
        return this.stopped.stream()
            .filter((context) -> context.getTask().taskId().equals(id))
            .map((context) -> context.getOutcome().value())
            .toList();
    }
}
