package dev.apalis.worker;

import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Predicate;

import dev.apalis.task.TaskId;

import static dev.apalis.worker.WorkerTesting.eventually;

/** Records a worker's events in the order the worker emits them. */
final class Recorder implements WorkerEventListener {

    private final Queue<WorkerEvent> events = new ConcurrentLinkedQueue<>();

    @Override
    public void onEvent(WorkerContext worker, WorkerEvent event) {
        events.add(event);
    }

    List<WorkerEvent> events() {
        return List.copyOf(events);
    }

    int size() {
        return events.size();
    }

    <E extends WorkerEvent> List<E> of(Class<E> type) {
        return events.stream().filter(type::isInstance).map(type::cast).toList();
    }

    <E extends WorkerEvent.TaskEvent> List<E> of(Class<E> type, TaskId id) {
        return of(type).stream().filter(event -> event.taskId().equals(id)).toList();
    }

    /** The events about one task, in order. */
    List<WorkerEvent.TaskEvent> forTask(TaskId id) {
        return of(WorkerEvent.TaskEvent.class).stream().filter(event -> event.taskId().equals(id)).toList();
    }

    int indexOf(Predicate<WorkerEvent> predicate) {
        List<WorkerEvent> snapshot = events();
        for (int i = 0; i < snapshot.size(); i++) {
            if (predicate.test(snapshot.get(i))) {
                return i;
            }
        }
        return -1;
    }

    /** Waits for the first event of a type. */
    <E extends WorkerEvent> E await(Class<E> type) {
        eventually().until(() -> !of(type).isEmpty());
        return of(type).get(0);
    }

    <E extends WorkerEvent.TaskEvent> E await(Class<E> type, TaskId id) {
        eventually().until(() -> !of(type, id).isEmpty());
        return of(type, id).get(0);
    }
}
