package dev.apalis.spring;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import dev.apalis.backend.Backend;
import dev.apalis.backend.TaskProducer;
import dev.apalis.task.NewTask;
import dev.apalis.task.PayloadCodec;
import dev.apalis.task.Task;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskOptions;

/**
 * The {@link TaskClient} over a {@link Backend}: encodes payloads with a {@link PayloadCodec} and
 * stores them with the backend, so that transactions join exactly as the backend joins them. Each
 * push (one per {@code pushAll}) goes through its {@link PushInterceptor}s, the first one outermost.
 * Payloads that would be stored lossily are refused as {@link TaskProducer} refuses them. Plain Java
 * code without Spring pushes with a {@link TaskProducer} instead.
 */
public final class BackendTaskClient implements TaskClient {

    private final Backend backend;

    private final PayloadCodec codec;

    private final List<PushInterceptor> interceptors;

    /**
     * Creates a client.
     * @param backend where tasks are stored
     * @param codec how payloads are written
     */
    public BackendTaskClient(Backend backend, PayloadCodec codec) {
        this(backend, codec, List.of());
    }

    /**
     * Creates a client whose pushes go through interceptors.
     * @param backend where tasks are stored
     * @param codec how payloads are written
     * @param interceptors what wraps each push, the first one outermost
     */
    public BackendTaskClient(Backend backend, PayloadCodec codec, List<? extends PushInterceptor> interceptors) {
        this.backend = Objects.requireNonNull(backend, "backend");
        this.codec = Objects.requireNonNull(codec, "codec");
        this.interceptors = List.copyOf(Objects.requireNonNull(interceptors, "interceptors"));
    }

    @Override
    public TaskId push(String queue, Object payload, TaskOptions options) {
        TaskOptions given = (options != null) ? options : TaskOptions.defaults();
        if (interceptors.isEmpty()) {
            return backend.push(new NewTask(queue, TaskProducer.encode(codec, payload), given));
        }
        return intercepted(queue, 1, given, 0,
                (resolved) -> List.of(backend.push(new NewTask(queue, TaskProducer.encode(codec, payload), resolved)))).get(0);
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
        return intercepted(queue, payloads.size(), shared, 0, (resolved) -> {
            List<NewTask> tasks = new ArrayList<>(payloads.size());
            for (Object payload : payloads) {
                tasks.add(new NewTask(queue, TaskProducer.encode(codec, payload), resolved));
            }
            return backend.pushAll(tasks);
        });
    }

    private List<TaskId> intercepted(String queue, int count, TaskOptions options, int index,
            PushInterceptor.Push last) {
        if (index == interceptors.size()) {
            return last.proceed(options);
        }
        List<TaskId> ids = interceptors.get(index).intercept(queue, count, options,
                (resolved) -> intercepted(queue, count, Objects.requireNonNull(resolved, "options"), index + 1, last));
        if (ids == null || ids.size() != count) {
            throw new IllegalStateException("PushInterceptor " + interceptors.get(index) + " returned "
                    + ((ids != null) ? ids.size() : "no") + " ids for a push of " + count + " tasks; it must return "
                    + "what push.proceed(options) returned");
        }
        return ids;
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
