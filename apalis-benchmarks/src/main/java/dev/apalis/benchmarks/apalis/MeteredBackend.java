package dev.apalis.benchmarks.apalis;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

import dev.apalis.backend.Backend;
import dev.apalis.backend.ClaimRequest;
import dev.apalis.backend.Completion;
import dev.apalis.backend.QueueCount;
import dev.apalis.backend.WorkerRegistration;
import dev.apalis.task.NewTask;
import dev.apalis.task.Task;
import dev.apalis.task.TaskId;

/**
 * A diagnostic wrapper around a backend: counts the worker's calls, how long they took and how many
 * tasks each moved (claim sizes, completion batch sizes), to show where a drain spends its time. Not used
 * in timed comparisons.
 */
public final class MeteredBackend implements Backend {

    private final Backend delegate;

    private final Map<String, Call> calls = new ConcurrentHashMap<>();

    private final Map<Integer, LongAdder> claimSizes = new ConcurrentHashMap<>();

    private final Map<Integer, LongAdder> completionSizes = new ConcurrentHashMap<>();

    public MeteredBackend(Backend delegate) {
        this.delegate = delegate;
    }

    /** Counts and time of one kind of call. */
    public static final class Call {

        private final LongAdder count = new LongAdder();

        private final LongAdder nanos = new LongAdder();

        private final LongAdder items = new LongAdder();

        public long count() {
            return count.sum();
        }

        public double totalMillis() {
            return nanos.sum() / 1e6;
        }

        public double meanMillis() {
            return (count() == 0) ? 0 : totalMillis() / count();
        }

        public double meanItems() {
            return (count() == 0) ? 0 : (double) items.sum() / count();
        }
    }

    public Map<String, Call> calls() {
        return new TreeMap<>(calls);
    }

    /** How many claims returned each number of tasks. */
    public Map<Integer, Long> claimSizes() {
        return histogram(claimSizes);
    }

    /** How many completion calls carried each number of outcomes. */
    public Map<Integer, Long> completionSizes() {
        return histogram(completionSizes);
    }

    private static Map<Integer, Long> histogram(Map<Integer, LongAdder> adders) {
        Map<Integer, Long> sorted = new TreeMap<>();
        adders.forEach((size, count) -> sorted.put(size, count.sum()));
        return sorted;
    }

    private void record(String name, long startNanos, int items) {
        Call call = calls.computeIfAbsent(name, key -> new Call());
        call.count.increment();
        call.nanos.add(System.nanoTime() - startNanos);
        call.items.add(items);
    }

    @Override
    public List<Task> claim(ClaimRequest request) {
        long start = System.nanoTime();
        int max = request.max();
        List<Task> tasks = delegate.claim(request);
        record("claim", start, tasks.size());
        claimSizes.computeIfAbsent(tasks.size(), key -> new LongAdder()).increment();
        calls.computeIfAbsent("claim (asked)", key -> new Call()).items.add(max);
        calls.get("claim (asked)").count.increment();
        return tasks;
    }

    @Override
    public void complete(String workerId, Collection<Completion> completions) {
        long start = System.nanoTime();
        delegate.complete(workerId, completions);
        record("complete", start, completions.size());
        completionSizes.computeIfAbsent(completions.size(), key -> new LongAdder()).increment();
    }

    @Override
    public void started(String workerId, Collection<TaskId> ids) {
        long start = System.nanoTime();
        delegate.started(workerId, ids);
        record("started", start, ids.size());
    }

    @Override
    public Optional<Duration> nextRunIn(String queue) {
        long start = System.nanoTime();
        Optional<Duration> next = delegate.nextRunIn(queue);
        record("nextRunIn", start, 0);
        return next;
    }

    @Override
    public TaskId push(NewTask task) {
        long start = System.nanoTime();
        TaskId id = delegate.push(task);
        record("push", start, 1);
        return id;
    }

    @Override
    public List<TaskId> pushAll(List<NewTask> tasks) {
        long start = System.nanoTime();
        List<TaskId> ids = delegate.pushAll(tasks);
        record("pushAll", start, tasks.size());
        return ids;
    }

    @Override
    public void register(WorkerRegistration worker) {
        delegate.register(worker);
    }

    @Override
    public void heartbeat(String workerId) {
        long start = System.nanoTime();
        delegate.heartbeat(workerId);
        record("heartbeat", start, 0);
    }

    @Override
    public void heartbeat(String workerId, Collection<TaskId> held) {
        long start = System.nanoTime();
        delegate.heartbeat(workerId, held);
        record("heartbeat", start, held.size());
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
    public void release(String workerId, Collection<TaskId> ids) {
        long start = System.nanoTime();
        delegate.release(workerId, ids);
        record("release", start, ids.size());
    }

    @Override
    public Subscription subscribe(String queue, Runnable listener) {
        return delegate.subscribe(queue, () -> {
            calls.computeIfAbsent("notification", key -> new Call()).count.increment();
            listener.run();
        });
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

    @Override
    public void close() {
        delegate.close();
    }
}
