package dev.apalis.spring;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.apalis.backend.memory.MemoryStorage;
import dev.apalis.task.JsonPayloadCodec;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskOptions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * Pushes go through the client's interceptors: one call per push and per batch, first interceptor
 * outermost, options changed by an interceptor stored with every task.
 */
class BackendTaskClientInterceptorTests {

    private final MemoryStorage storage = new MemoryStorage();

    private final List<String> calls = new ArrayList<>();

    private PushInterceptor recording(String name) {
        return (queue, count, options, push) -> {
            this.calls.add(name + " before " + queue + " x" + count);
            List<TaskId> ids = push.proceed(options.metadata("by", name));
            this.calls.add(name + " after " + ids.size());
            return ids;
        };
    }

    @Test
    void eachPushAndEachBatchGoesThroughTheInterceptorsOnceInOrder() {
        BackendTaskClient client = new BackendTaskClient(this.storage, JsonPayloadCodec.withDefaults(),
                List.of(recording("outer"), recording("inner")));

        TaskId one = client.push("email", "hello");
        List<TaskId> batch = client.pushAll("email", List.of("a", "b", "c"));

        assertThat(this.calls).containsExactly("outer before email x1", "inner before email x1", "inner after 1",
                "outer after 1", "outer before email x3", "inner before email x3", "inner after 3", "outer after 3");
        // the innermost change wins, and every task of the batch has it
        assertThat(this.storage.find(one).orElseThrow().metadata()).containsEntry("by", "inner");
        assertThat(batch).allSatisfy((id) -> assertThat(this.storage.find(id).orElseThrow().metadata())
            .containsEntry("by", "inner"));
    }

    @Test
    void anEmptyBatchNeverReachesTheInterceptors() {
        BackendTaskClient client = new BackendTaskClient(this.storage, JsonPayloadCodec.withDefaults(),
                List.of(recording("only")));

        assertThat(client.pushAll("email", List.of(), TaskOptions.defaults())).isEmpty();
        assertThat(this.calls).isEmpty();
    }

    @Test
    void anInterceptorThatLosesTheIdsIsReported() {
        BackendTaskClient client = new BackendTaskClient(this.storage, JsonPayloadCodec.withDefaults(),
                List.of((queue, count, options, push) -> {
                    push.proceed(options);
                    return List.of();
                }));

        assertThatIllegalStateException().isThrownBy(() -> client.push("email", "hello"))
            .withMessageContaining("returned 0 ids for a push of 1 tasks");
    }
}
