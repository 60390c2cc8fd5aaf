package dev.apalis.spring.boot.test;

import java.lang.reflect.Type;
import java.util.Objects;

import dev.apalis.task.PayloadCodec;
import dev.apalis.task.Task;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskOptions;
import dev.apalis.task.TaskStatus;

/**
 * A task the application pushed through its {@code TaskClient}, as {@link TaskTester#pushed()} shows
 * it: the options it was pushed with and the task as stored when it was looked up.
 */
public final class PushedTask {

    private final TaskOptions options;

    private final Task task;

    private final PayloadCodec codec;

    PushedTask(TaskOptions options, Task task, PayloadCodec codec) {
        this.options = options;
        this.task = task;
        this.codec = codec;
    }

    public TaskId id() {
        return this.task.id();
    }

    public String queue() {
        return this.task.queue();
    }

    /**
     * The options of the push, as the backend received them (after every {@code PushInterceptor}).
     * @return the options
     */
    public TaskOptions options() {
        return this.options;
    }

    /**
     * The task as stored when {@link TaskTester#pushed()} looked it up: status, attempts, run time,
     * priority, metadata.
     * @return the stored task
     */
    public Task task() {
        return this.task;
    }

    public TaskStatus status() {
        return this.task.status();
    }

    /**
     * The payload as JSON text, as stored.
     * @return the JSON text
     */
    public String payloadJson() {
        return this.task.payload();
    }

    /**
     * Reads the payload with the application's payload codec.
     * @param type the type to read it as (the handler's payload type)
     * @param <T> the type
     * @return the payload
     * @throws dev.apalis.task.PayloadException if the payload does not read as that type
     */
    public <T> T payload(Class<T> type) {
        return this.codec.decode(this.task.payload(), Objects.requireNonNull(type, "type"));
    }

    /**
     * Reads the payload as a generic type, such as {@code List<Email>}.
     * @param type the type to read it as
     * @param <T> the type
     * @return the payload
     */
    public <T> T payload(Type type) {
        return this.codec.decode(this.task.payload(), Objects.requireNonNull(type, "type"));
    }

    @Override
    public String toString() {
        return "PushedTask[" + id() + " in " + queue() + ", " + status() + ", payload " + payloadJson() + ", " + this.options
                + "]";
    }
}
