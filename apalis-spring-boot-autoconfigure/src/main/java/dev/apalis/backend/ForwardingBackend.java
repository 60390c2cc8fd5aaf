package dev.apalis.backend;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

import dev.apalis.task.NewTask;
import dev.apalis.task.Task;
import dev.apalis.task.TaskId;

/**
 * A {@link Backend} that forwards every call, default methods included, to another: the base of
 * decorators (metering, fault injection in tests), which override only what they change. The one
 * exception is the short form {@link #claim(String, String, int)}, which goes through
 * {@link #claim(ClaimRequest)} so that a decorator sees every claim in one place. It declares
 * the delegate's {@link #capabilities()}; it does not implement the delegate's optional parts
 * ({@link TaskManagement}, {@link BackendMaintenance}, schedules): a decorator that must offer them
 * implements them too.
 */
public class ForwardingBackend implements Backend {

    private final Backend delegate;

    /**
     * A backend that forwards to another.
     * @param delegate the backend every call goes to
     */
    public ForwardingBackend(Backend delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    /**
     * The backend calls are forwarded to.
     * @return the delegate
     */
    protected Backend delegate() {
        return delegate;
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
    public void register(WorkerRegistration worker) {
        delegate.register(worker);
    }

    @Override
    public void heartbeat(String workerId) {
        delegate.heartbeat(workerId);
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
    public void deregister(String workerId) {
        delegate.deregister(workerId);
    }

    @Override
    public Subscription subscribe(String queue, Runnable listener) {
        return delegate.subscribe(queue, listener);
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
    public List<QueueCount> estimateByQueueAndStatus() {
        return delegate.estimateByQueueAndStatus();
    }

    @Override
    public Optional<Instant> oldestDueAt(String queue) {
        return delegate.oldestDueAt(queue);
    }

    @Override
    public boolean retry(TaskId id) {
        return delegate.retry(id);
    }

    @Override
    public boolean cancel(TaskId id) {
        return delegate.cancel(id);
    }

    @Override
    public Set<BackendCapability> capabilities() {
        return delegate.capabilities();
    }

    @Override
    public void ping() {
        delegate.ping();
    }

    @Override
    public void close() {
        delegate.close();
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + delegate + "]";
    }
}
