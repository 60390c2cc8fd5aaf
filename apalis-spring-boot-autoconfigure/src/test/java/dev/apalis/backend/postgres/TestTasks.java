package dev.apalis.backend.postgres;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.apalis.task.NewTask;
import dev.apalis.task.Task;
import dev.apalis.task.TaskOptions;

/**
 * Small helpers to write tasks and read them back in tests.
 */
final class TestTasks {

    private static final Pattern N = Pattern.compile("\"n\"\\s*:\\s*(-?\\d+)");

    private TestTasks() {
    }

    /** A task whose payload is {@code {"n": n}}. */
    static NewTask numbered(String queue, int n) {
        return numbered(queue, n, TaskOptions.defaults());
    }

    static NewTask numbered(String queue, int n, TaskOptions options) {
        return new NewTask(queue, "{\"n\": " + n + "}", options);
    }

    static List<NewTask> numbered(String queue, int from, int toExclusive) {
        List<NewTask> tasks = new ArrayList<>(toExclusive - from);
        for (int n = from; n < toExclusive; n++) {
            tasks.add(numbered(queue, n));
        }
        return tasks;
    }

    /** The {@code n} of a numbered task's payload. */
    static int n(Task task) {
        Matcher matcher = N.matcher(task.payload());
        if (!matcher.find()) {
            throw new IllegalArgumentException("Not a numbered payload: " + task.payload());
        }
        return Integer.parseInt(matcher.group(1));
    }

    static List<Integer> ns(List<Task> tasks) {
        return tasks.stream().map(TestTasks::n).toList();
    }
}
