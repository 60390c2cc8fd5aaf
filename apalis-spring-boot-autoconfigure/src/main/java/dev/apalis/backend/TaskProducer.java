package dev.apalis.backend;

import java.beans.IntrospectionException;
import java.beans.Introspector;
import java.beans.PropertyDescriptor;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import dev.apalis.task.NewTask;
import dev.apalis.task.PayloadCodec;
import dev.apalis.task.PayloadException;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskOptions;

/**
 * Pushes tasks to a {@link Backend} from plain Java, without Spring: encodes payloads with a
 * {@link PayloadCodec} and refuses payloads that would be stored with less than they hold.
 * <pre>{@code
 * MemoryStorage storage = new MemoryStorage();
 * TaskProducer producer = new TaskProducer(storage, JsonPayloadCodec.withDefaults());
 * TaskId id = producer.push("email", new Email("ada@example.com", "Welcome"));
 * }</pre>
 * A payload is refused, and nothing is stored, when it is {@code null} or when it is written as an
 * empty JSON object although its type has no readable properties (no public getters or fields: its
 * state would be lost); a record without components and an empty map are fine. Thread-safe.
 */
public final class TaskProducer {

    private static final String EMPTY_OBJECT = "{}";

    private final Backend backend;

    private final PayloadCodec codec;

    /**
     * Creates a producer.
     * @param backend where tasks are stored
     * @param codec how payloads are written
     */
    public TaskProducer(Backend backend, PayloadCodec codec) {
        this.backend = Objects.requireNonNull(backend, "backend");
        this.codec = Objects.requireNonNull(codec, "codec");
    }

    /**
     * Pushes a task that runs as soon as a worker is free.
     * @param queue the queue
     * @param payload the payload
     * @return the task's id
     * @throws PayloadException if the payload is refused or cannot be written
     */
    public TaskId push(String queue, Object payload) {
        return push(queue, payload, TaskOptions.defaults());
    }

    /**
     * Pushes a task with options.
     * @param queue the queue
     * @param payload the payload
     * @param options how to push it
     * @return the task's id, or the id of the unfinished task that holds the same unique key
     * @throws PayloadException if the payload is refused or cannot be written
     */
    public TaskId push(String queue, Object payload, TaskOptions options) {
        return backend.push(new NewTask(queue, encode(codec, payload), options));
    }

    /**
     * Pushes several tasks to one queue in one round trip where the backend can.
     * @param queue the queue
     * @param payloads the payloads
     * @param options how to push them
     * @return the tasks' ids, in the order of the payloads
     * @throws PayloadException if a payload is refused or cannot be written; nothing is pushed
     */
    public List<TaskId> pushAll(String queue, Collection<?> payloads, TaskOptions options) {
        List<NewTask> tasks = new ArrayList<>(payloads.size());
        for (Object payload : payloads) {
            tasks.add(new NewTask(queue, encode(codec, payload), options));
        }
        return backend.pushAll(tasks);
    }

    /**
     * Writes a payload as JSON, refusing what would be stored lossily.
     * @param codec the codec
     * @param payload the payload
     * @return its JSON text
     * @throws PayloadException if the payload is {@code null}, has no readable properties, or cannot be
     * written
     */
    public static String encode(PayloadCodec codec, Object payload) {
        if (payload == null) {
            throw new PayloadException("A task payload must not be null: the handler would receive null. Push a "
                    + "value, or an empty record (record Ping() {}) for a task that needs no data.", null);
        }
        String json = codec.encode(payload);
        if (EMPTY_OBJECT.equals(json.strip()) && !mayBeEmpty(payload.getClass())) {
            throw new PayloadException("The payload " + payload.getClass().getName() + " would be stored as {}: its "
                    + "type has no readable properties (no public getters or fields), so its state would be lost. "
                    + "Push a record, or a class with getters (or public fields), that holds the task's data.", null);
        }
        return json;
    }

    /** Whether an empty JSON object is a faithful picture of a value of the type. */
    private static boolean mayBeEmpty(Class<?> type) {
        if (type.isRecord() || Map.class.isAssignableFrom(type)) {
            return true;
        }
        for (java.lang.reflect.Field field : type.getFields()) {
            if (!Modifier.isStatic(field.getModifiers())) {
                return true;
            }
        }
        try {
            for (PropertyDescriptor property : Introspector.getBeanInfo(type).getPropertyDescriptors()) {
                if (property.getReadMethod() != null && !"class".equals(property.getName())) {
                    return true;
                }
            }
        }
        catch (IntrospectionException ex) {
            return true;
        }
        return false;
    }
}
