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
import dev.apalis.backend.ForwardingBackend;
import dev.apalis.task.NewTask;
import dev.apalis.task.Task;
import dev.apalis.task.TaskId;

/**
 * A diagnostic decorator of a backend: counts the worker's calls, how long they took and how many
 * tasks each moved (claim sizes, completion batch sizes), to show where a drain spends its time; every
 * other call is forwarded as is. Not used in timed comparisons.
 */
public final class MeteredBackend extends ForwardingBackend {

    private final Map<String, Call> calls = new ConcurrentHashMap<>();

    private final Map<Integer, LongAdder> claimSizes = new ConcurrentHashMap<>();

    private final Map<Integer, LongAdder> completionSizes = new ConcurrentHashMap<>();

    public MeteredBackend(Backend delegate) {
        super(delegate);
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
        List<Task> tasks = super.claim(request);
        record("claim", start, tasks.size());
        claimSizes.computeIfAbsent(tasks.size(), key -> new LongAdder()).increment();
        calls.computeIfAbsent("claim (asked)", key -> new Call()).items.add(max);
        calls.get("claim (asked)").count.increment();
        return tasks;
    }

    @Override
    public void complete(String workerId, Collection<Completion> completions) {
        long start = System.nanoTime();
        super.complete(workerId, completions);
        record("complete", start, completions.size());
        completionSizes.computeIfAbsent(completions.size(), key -> new LongAdder()).increment();
    }

    @Override
    public void started(String workerId, Collection<TaskId> ids) {
        long start = System.nanoTime();
        super.started(workerId, ids);
        record("started", start, ids.size());
    }

    @Override
    public Optional<Duration> nextRunIn(String queue) {
        long start = System.nanoTime();
        Optional<Duration> next = super.nextRunIn(queue);
        record("nextRunIn", start, 0);
        return next;
    }

    @Override
    public TaskId push(NewTask task) {
        long start = System.nanoTime();
        TaskId id = super.push(task);
        record("push", start, 1);
        return id;
    }

    @Override
    public List<TaskId> pushAll(List<NewTask> tasks) {
        long start = System.nanoTime();
        List<TaskId> ids = super.pushAll(tasks);
        record("pushAll", start, tasks.size());
        return ids;
    }

    @Override
    public void heartbeat(String workerId) {
        long start = System.nanoTime();
        super.heartbeat(workerId);
        record("heartbeat", start, 0);
    }

    @Override
    public void heartbeat(String workerId, Collection<TaskId> held) {
        long start = System.nanoTime();
        super.heartbeat(workerId, held);
        record("heartbeat", start, held.size());
    }

    @Override
    public void release(String workerId, Collection<TaskId> ids) {
        long start = System.nanoTime();
        super.release(workerId, ids);
        record("release", start, ids.size());
    }

    @Override
    public Subscription subscribe(String queue, Runnable listener) {
        return super.subscribe(queue, () -> {
            calls.computeIfAbsent("notification", key -> new Call()).count.increment();
            listener.run();
        });
    }
}
