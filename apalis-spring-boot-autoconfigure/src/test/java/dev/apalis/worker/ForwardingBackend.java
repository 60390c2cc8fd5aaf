package dev.apalis.worker;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

import dev.apalis.backend.Backend;
import dev.apalis.backend.ClaimRequest;
import dev.apalis.backend.Completion;
import dev.apalis.backend.QueueCount;
import dev.apalis.backend.WorkerRegistration;
import dev.apalis.task.NewTask;
import dev.apalis.task.Task;
import dev.apalis.task.TaskId;

/** A backend that forwards to another; tests override a method to hold a worker at a chosen point. */
class ForwardingBackend implements Backend {

    protected final Backend delegate;

    ForwardingBackend(Backend delegate) {
        this.delegate = delegate;
    }

    @Override
    public TaskId push(NewTask task) {
        return delegate.push(task);
    }

    @Override
    public List<TaskId> pushAll(List<NewTask> tasks) {
        return delegate.pushAll(tasks);
    }

    @Override
    public void register(WorkerRegistration worker) {
        delegate.register(worker);
    }

    @Override
    public void heartbeat(String workerId) {
        delegate.heartbeat(workerId);
    }

    @Override
    public void deregister(String workerId) {
        delegate.deregister(workerId);
    }

    @Override
    public void heartbeat(String workerId, Collection<TaskId> held) {
        delegate.heartbeat(workerId, held);
    }

    @Override
    public Optional<Duration> orphanThreshold() {
        return delegate.orphanThreshold();
    }

    @Override
    public List<Task> claim(ClaimRequest request) {
        return delegate.claim(request);
    }

    @Override
    public void started(String workerId, Collection<TaskId> ids) {
        delegate.started(workerId, ids);
    }

    @Override
    public void complete(String workerId, Collection<Completion> completions) {
        delegate.complete(workerId, completions);
    }

    @Override
    public void release(String workerId, Collection<TaskId> ids) {
        delegate.release(workerId, ids);
    }

    @Override
    public Optional<Duration> nextRunIn(String queue) {
        return delegate.nextRunIn(queue);
    }

    @Override
    public Subscription subscribe(String queue, Runnable listener) {
        return delegate.subscribe(queue, listener);
    }

    @Override
    public void close() {
        delegate.close();
    }

    @Override
    public Optional<Task> find(TaskId id) {
        return delegate.find(id);
    }

    @Override
    public List<QueueCount> countByQueueAndStatus() {
        return delegate.countByQueueAndStatus();
    }

    @Override
    public boolean retry(TaskId id) {
        return delegate.retry(id);
    }

    @Override
    public boolean cancel(TaskId id) {
        return delegate.cancel(id);
    }
}
