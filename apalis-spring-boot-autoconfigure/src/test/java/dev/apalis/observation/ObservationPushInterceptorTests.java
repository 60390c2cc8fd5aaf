package dev.apalis.observation;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.micrometer.observation.transport.Kind;
import org.junit.jupiter.api.Test;

import dev.apalis.backend.memory.MemoryStorage;
import dev.apalis.spring.BackendTaskClient;
import dev.apalis.task.JsonPayloadCodec;
import dev.apalis.task.Task;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskOptions;

import static io.micrometer.observation.tck.TestObservationRegistryAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Every push is one {@code apalis.push} observation, a producer whose carrier's headers are stored in
 * the pushed tasks' metadata; a batch is one observation.
 */
class ObservationPushInterceptorTests {

    private final TestObservationRegistry registry = TestObservationRegistry.create();

    private final MemoryStorage storage = new MemoryStorage();

    private final BackendTaskClient client = new BackendTaskClient(this.storage, JsonPayloadCodec.withDefaults(),
            List.of(new ObservationPushInterceptor(this.registry)));

    /** Writes a fake trace header into every push's carrier, as a tracing handler does on start. */
    private void writeHeaderOnStart(String value) {
        this.registry.observationConfig().observationHandler(new ObservationHandler<ApalisPushObservationContext>() {

            @Override
            public void onStart(ApalisPushObservationContext context) {
                context.getSetter().set(context.getCarrier(), "traceparent", value);
            }

            @Override
            public boolean supportsContext(Observation.Context context) {
                return context instanceof ApalisPushObservationContext;
            }
        });
    }

    @Test
    void aPushIsOneProducerObservationWithItsQueueAndTaskId() {
        TaskId id = this.client.push("email", Map.of("to", "ada@example.com"));

        assertThat(this.registry).hasNumberOfObservationsWithNameEqualTo("apalis.push", 1)
            .hasObservationWithNameEqualTo("apalis.push")
            .that()
            .hasContextualNameEqualTo("publish email")
            .hasLowCardinalityKeyValue("queue", "email")
            .hasHighCardinalityKeyValue("task.count", "1")
            .hasHighCardinalityKeyValue("task.id", id.toString())
            .doesNotHaveError()
            .hasBeenStopped();
    }

    @Test
    void theHeadersWrittenOnStartAreStoredInTheTasksMetadataBesideItsOwn() {
        writeHeaderOnStart("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");

        TaskId id = this.client.push("email", "hello", TaskOptions.defaults().metadata("tenant", "acme"));

        Task task = this.storage.find(id).orElseThrow();
        assertThat(task.metadata()).containsEntry("tenant", "acme")
            .containsEntry("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
    }

    @Test
    void aBatchIsOneObservationAndEveryTaskCarriesItsHeaders() {
        writeHeaderOnStart("00-11111111111111111111111111111111-2222222222222222-01");

        List<TaskId> ids = this.client.pushAll("email", List.of("a", "b", "c"));

        assertThat(this.registry).hasNumberOfObservationsWithNameEqualTo("apalis.push", 1)
            .hasObservationWithNameEqualTo("apalis.push")
            .that()
            .hasHighCardinalityKeyValue("task.count", "3")
            .doesNotHaveHighCardinalityKeyValueWithKey("task.id");
        assertThat(ids).allSatisfy((id) -> assertThat(this.storage.find(id).orElseThrow().metadata())
            .containsEntry("traceparent", "00-11111111111111111111111111111111-2222222222222222-01"));
    }

    @Test
    void withoutATracerTheMetadataIsLeftAsGiven() {
        TaskId id = this.client.push("email", "hello", TaskOptions.defaults().metadata("tenant", "acme"));

        assertThat(this.storage.find(id).orElseThrow().metadata()).isEqualTo(Map.of("tenant", "acme"));
    }

    @Test
    void aFailedPushIsRecordedWithItsError() {
        List<ApalisPushObservationContext> stopped = new CopyOnWriteArrayList<>();
        this.registry.observationConfig().observationHandler(new ObservationHandler<ApalisPushObservationContext>() {

            @Override
            public void onStop(ApalisPushObservationContext context) {
                stopped.add(context);
            }

            @Override
            public boolean supportsContext(Observation.Context context) {
                return context instanceof ApalisPushObservationContext;
            }
        });

        // a blank queue is refused inside the push, after the observation started
        assertThatIllegalArgumentException().isThrownBy(() -> this.client.push(" ", "blank queue"));

        assertThat(stopped).singleElement().satisfies((context) -> {
            assertThat(context.getError()).isInstanceOf(IllegalArgumentException.class);
            assertThat(context.getKind()).isEqualTo(Kind.PRODUCER);
        });
    }
}
