package dev.apalis.reliability;

import java.util.ArrayList;
import java.util.List;

import dev.apalis.task.NewTask;
import dev.apalis.task.TaskOptions;

/**
 * Tasks the reliability scenarios push: {@code {"n": n, "millis": m}}, where {@code millis} is how
 * long the handler of the worker app works on it.
 */
final class Tasks {

    private Tasks() {
    }

    static List<NewTask> numbered(String queue, int from, int toExclusive) {
        return numbered(queue, from, toExclusive, 0);
    }

    static List<NewTask> numbered(String queue, int from, int toExclusive, int millis) {
        List<NewTask> tasks = new ArrayList<>(toExclusive - from);
        for (int n = from; n < toExclusive; n++) {
            tasks.add(new NewTask(queue, "{\"n\":" + n + ",\"millis\":" + millis + "}", TaskOptions.defaults()));
        }
        return tasks;
    }
}
