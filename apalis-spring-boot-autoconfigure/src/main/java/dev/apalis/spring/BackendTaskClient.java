package dev.apalis.spring;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import dev.apalis.backend.Backend;
import dev.apalis.task.NewTask;
import dev.apalis.task.PayloadCodec;
import dev.apalis.task.Task;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskOptions;

/**
 * The {@link TaskClient} over a {@link Backend}: encodes payloads with a {@link PayloadCodec} and
 * stores them with the backend, so that transactions join exactly as the backend joins them.
 */
public final class BackendTaskClient implements TaskClient {

    private final Backend backend;

    private final PayloadCodec codec;

    /**
     * Creates a client.
     * @param backend where tasks are stored
     * @param codec how payloads are written
     */
    public BackendTaskClient(Backend backend, PayloadCodec codec) {
        this.backend = Objects.requireNonNull(backend, "backend");
        this.codec = Objects.requireNonNull(codec, "codec");
    }

    @Override
    public TaskId push(String queue, Object payload, TaskOptions options) {
        return backend.push(new NewTask(queue, codec.encode(payload), options));
    }

    @Override
    public List<TaskId> pushAll(String queue, Collection<?> payloads, TaskOptions options) {
        Objects.requireNonNull(payloads, "payloads");
        TaskOptions shared = (options != null) ? options : TaskOptions.defaults();
        if (shared.uniqueKey() != null) {
            throw new IllegalArgumentException("pushAll cannot use a unique key: it identifies one task. Push such tasks "
                    + "one by one with push(queue, payload, options).");
        }
        if (payloads.isEmpty()) {
            return List.of();
        }
        List<NewTask> tasks = new ArrayList<>(payloads.size());
        for (Object payload : payloads) {
            tasks.add(new NewTask(queue, codec.encode(payload), shared));
        }
        return backend.pushAll(tasks);
    }

    @Override
    public Optional<Task> find(TaskId id) {
        return backend.find(Objects.requireNonNull(id, "id"));
    }

    @Override
    public String toString() {
        return "BackendTaskClient[" + backend.getClass().getSimpleName() + "]";
    }
}
