package dev.apalis.backend.memory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import dev.apalis.backend.Backend;
import dev.apalis.backend.Completion;
import dev.apalis.task.NewTask;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskOptions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;

/**
 * The memory backend's ping and oldest due task, and the defaults of the SPI for other backends.
 */
class MemoryStoragePingAndOldestDueTest {

    private static final Instant NOW = Instant.parse("2030-01-01T12:00:00Z");

    private final MemoryStorage storage = new MemoryStorage(Clock.fixed(NOW, ZoneOffset.UTC), Duration.ofSeconds(30),
            100);

    private TaskId push(String queue, TaskOptions options) {
        return storage.push(new NewTask(queue, "{}", options));
    }

    @Test
    void oldestDueIsTheEarliestRunTimeAmongDueWaitingTasks() {
        push("q", TaskOptions.defaults().runAt(NOW.minusSeconds(10)).priority(-5));
        push("q", TaskOptions.defaults().runAt(NOW.minusSeconds(30)).priority(7));
        push("q", TaskOptions.defaults().runAt(NOW.plusSeconds(60)).priority(-9));

        assertThat(storage.oldestDueAt("q")).contains(NOW.minusSeconds(30));
    }

    @Test
    void claimedFinishedAndFutureTasksAreNotDue() {
        TaskId first = push("q", TaskOptions.defaults().runAt(NOW.minusSeconds(10)));
        push("q", TaskOptions.defaults().runAt(NOW.minusSeconds(5)));
        storage.claim("q", "w", 2);
        storage.complete("w", List.of(Completion.done(first)));
        push("q", TaskOptions.defaults().runAt(NOW.plusSeconds(1)));

        assertThat(storage.oldestDueAt("q")).isEmpty();
        assertThat(storage.oldestDueAt("unknown")).isEmpty();
    }

    @Test
    void pingAlwaysAnswers() {
        assertThatNoException().isThrownBy(storage::ping);
    }

    @Test
    void theDefaultPingLooksUpATaskAndTheDefaultOldestDueIsUnknown() {
        List<TaskId> lookedUp = new ArrayList<>();
        Backend wrapper = (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(),
                new Class<?>[] { Backend.class }, (proxy, method, args) -> {
                    if (method.isDefault()) {
                        return InvocationHandler.invokeDefault(proxy, method, args);
                    }
                    if (method.getName().equals("find")) {
                        lookedUp.add((TaskId) args[0]);
                        return Optional.empty();
                    }
                    throw new UnsupportedOperationException(method.getName());
                });

        wrapper.ping();

        assertThat(lookedUp).hasSize(1);
        assertThat(wrapper.oldestDueAt("q")).isEmpty();
    }
}
