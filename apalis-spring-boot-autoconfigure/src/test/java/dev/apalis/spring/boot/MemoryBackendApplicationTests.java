package dev.apalis.spring.boot;

import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Import;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

import dev.apalis.backend.Backend;
import dev.apalis.backend.memory.MemoryStorage;
import dev.apalis.spring.TaskClient;
import dev.apalis.spring.TaskHandler;
import dev.apalis.spring.Workers;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskStatus;
import dev.apalis.worker.WorkerEvent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A whole Spring Boot application with every auto-configuration on the class path but no
 * DataSource: tasks are stored in memory, handlers run, events are published.
 */
@SpringBootTest(properties = "spring.autoconfigure.exclude="
        + "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration")
class MemoryBackendApplicationTests {

    @Autowired
    private ApplicationContext context;

    @Autowired
    private TaskClient client;

    @Autowired
    private Workers workers;

    @Autowired
    private Greeter greeter;

    @Test
    void storesTasksInMemoryWithoutADataSource() {
        assertThat(this.context.getBeansOfType(DataSource.class)).isEmpty();
        assertThat(this.context.getBean(Backend.class)).isInstanceOf(MemoryStorage.class);
        assertThat(this.workers.get("greet").isRunning()).isTrue();
    }

    @Test
    void pushedTaskRunsAndItsEventsArePublished() {
        TaskId id = this.client.push("greet", new Greeting("Ada"));
        await().atMost(Duration.ofSeconds(10)).until(() -> this.client.status(id).orElseThrow() == TaskStatus.DONE);
        assertThat(this.greeter.greeted).contains("Ada");
        await().atMost(Duration.ofSeconds(10)).until(() -> this.greeter.succeeded.contains(id));
    }

    record Greeting(String name) {
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    @Import(Greeter.class)
    static class Application {

    }

    @Component
    static class Greeter {

        final Queue<String> greeted = new ConcurrentLinkedQueue<>();

        final Queue<TaskId> succeeded = new ConcurrentLinkedQueue<>();

        @TaskHandler("greet")
        void greet(Greeting greeting) {
            this.greeted.add(greeting.name());
        }

        @EventListener
        void on(WorkerEvent.TaskSucceeded event) {
            this.succeeded.add(event.taskId());
        }
    }
}
