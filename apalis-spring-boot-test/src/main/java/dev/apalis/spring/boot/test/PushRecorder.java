package dev.apalis.spring.boot.test;

import java.util.ArrayList;
import java.util.List;

import org.springframework.core.Ordered;

import dev.apalis.spring.PushInterceptor;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskOptions;

/**
 * Records every push of the {@code TaskClient}: the innermost interceptor, so that it sees the options
 * as the backend receives them, and only pushes that returned ids.
 */
final class PushRecorder implements PushInterceptor, Ordered {

    private final List<Recorded> pushes = new ArrayList<>();

    @Override
    public List<TaskId> intercept(String queue, int count, TaskOptions options, Push push) {
        List<TaskId> ids = push.proceed(options);
        synchronized (this.pushes) {
            for (TaskId id : ids) {
                this.pushes.add(new Recorded(id, options));
            }
        }
        return ids;
    }

    List<Recorded> pushes() {
        synchronized (this.pushes) {
            return List.copyOf(this.pushes);
        }
    }

    void clear() {
        synchronized (this.pushes) {
            this.pushes.clear();
        }
    }

    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE;
    }

    /** One pushed task: its id and the options it was pushed with. */
    record Recorded(TaskId id, TaskOptions options) {
    }
}
