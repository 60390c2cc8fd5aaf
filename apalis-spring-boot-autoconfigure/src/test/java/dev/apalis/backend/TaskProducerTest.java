package dev.apalis.backend;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.apalis.backend.memory.MemoryStorage;
import dev.apalis.spring.BackendTaskClient;
import dev.apalis.task.JsonPayloadCodec;
import dev.apalis.task.PayloadCodec;
import dev.apalis.task.PayloadException;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskOptions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Plain-Java pushes, and the payloads every push refuses (with the {@code TaskClient} as well): nothing
 * is stored for a refused payload.
 */
class TaskProducerTest {

    private final MemoryStorage storage = new MemoryStorage();

    private final PayloadCodec codec = JsonPayloadCodec.withDefaults();

    private final TaskProducer producer = new TaskProducer(this.storage, this.codec);

    private final BackendTaskClient client = new BackendTaskClient(this.storage, this.codec);

    record Email(String to, String subject) {
    }

    record Ping() {
    }

    static final class Secretive {

        @SuppressWarnings("unused")
        private final String hidden = "lost";
    }

    @Test
    void pushesAndStoresThePayloadAsJson() {
        TaskId id = this.producer.push("email", new Email("ada@example.com", "Welcome"));

        assertThat(this.storage.find(id).orElseThrow().payload())
            .isEqualTo("{\"to\":\"ada@example.com\",\"subject\":\"Welcome\"}");
        assertThat(this.producer.push("ping", new Ping())).isNotNull();
        assertThat(this.producer.push("map", Map.of())).isNotNull();
        assertThat(this.producer.pushAll("email", List.of(new Email("a", "b"), new Email("c", "d")),
                TaskOptions.defaults())).hasSize(2);
    }

    @Test
    void refusesNullAndPayloadsWhoseStateWouldBeLostAndStoresNothing() {
        assertThatExceptionOfType(PayloadException.class).isThrownBy(() -> this.producer.push("q", null))
            .withMessageStartingWith("A task payload must not be null");
        assertThatExceptionOfType(PayloadException.class).isThrownBy(() -> this.client.push("q", null));
        assertThatExceptionOfType(PayloadException.class).isThrownBy(() -> this.client.push("q", new Object()))
            .withMessageContaining("java.lang.Object would be stored as {}");
        List<Object> mixed = new ArrayList<>(Arrays.asList(new Email("a", "b"), null));
        assertThatExceptionOfType(PayloadException.class).isThrownBy(() -> this.client.pushAll("q", mixed));

        assertThatExceptionOfType(PayloadException.class).isThrownBy(() -> this.client.push("q", new Secretive()))
            .withMessageContaining("has no readable properties");
        assertThat(this.storage.countByQueueAndStatus()).isEmpty();
    }
}
