package dev.apalis.spring.boot;

import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.Test;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Import;

import dev.apalis.backend.postgres.PostgresStorage;
import dev.apalis.spring.TaskClient;
import dev.apalis.spring.TaskHandler;
import dev.apalis.spring.Workers;
import dev.apalis.task.Task;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskStatus;
import dev.apalis.test.TestPostgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Closing the application while slow tasks run: the tasks in flight finish during the stop, none is
 * cut, none is lost, and the rest wait in the queue, unclaimed. Checked in the database after the
 * application has closed. Needs {@link PostgresStorage}.
 */
class PostgresGracefulShutdownTests {

    private static final int CONCURRENCY = 3;

    private static final int TASKS = 8;

    @Test
    void closingDrainsTasksInFlightAndLeavesTheRestInTheQueue() throws Exception {
        TestPostgres.Database database = TestPostgres.createDatabase("PostgresGracefulShutdownTests");
        ConfigurableApplicationContext application = new SpringApplicationBuilder(Application.class)
            .web(WebApplicationType.NONE)
            .properties("spring.datasource.url=" + database.jdbcUrl(),
                    "spring.datasource.username=" + database.username(),
                    "spring.datasource.password=" + database.password(),
                    "apalis.workers.slow.concurrency=" + CONCURRENCY, "apalis.shutdown.timeout=20s")
            .run();
        SlowHandler handler = application.getBean(SlowHandler.class);
        WorkerLifecycle lifecycle = application.getBean(WorkerLifecycle.class);
        List<TaskId> ids = application.getBean(TaskClient.class)
            .pushAll("slow", IntStream.range(0, TASKS).boxed().toList());
        await().atMost(Duration.ofSeconds(15)).until(() -> handler.started.size() == CONCURRENCY);
        assertThat(application.getBean(Workers.class).get("slow").inFlight()).isEqualTo(CONCURRENCY);

        Thread releaser = new Thread(() -> {
            // let the handlers finish only once the stop has begun, so that they are in flight during it
            await().atMost(Duration.ofSeconds(15)).until(() -> !lifecycle.isRunning());
            handler.release.countDown();
        });
        releaser.start();
        application.close();
        releaser.join(TimeUnit.SECONDS.toMillis(15));

        assertThat(handler.finishedDuringStop).hasSize(CONCURRENCY).containsOnly(true);
        assertThat(handler.interrupted).isEmpty();
        try (HikariDataSource dataSource = database.newDataSource(2)) {
            PostgresStorage storage = PostgresStorage.builder(dataSource).initializeSchema(false).build();
            List<Task> tasks = ids.stream().map((id) -> storage.find(id).orElseThrow()).toList();
            assertThat(tasks).filteredOn((task) -> task.status() == TaskStatus.DONE)
                .hasSize(CONCURRENCY)
                .allSatisfy((task) -> assertThat(task.attempts()).isEqualTo(1));
            assertThat(tasks).filteredOn((task) -> task.status() != TaskStatus.DONE)
                .hasSize(TASKS - CONCURRENCY)
                .allSatisfy((task) -> {
                    assertThat(task.status()).isEqualTo(TaskStatus.PENDING);
                    assertThat(task.attempts()).isZero();
                });
            storage.close();
        }
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    @Import(SlowHandler.class)
    static class Application {

    }

    static class SlowHandler {

        final Queue<Integer> started = new ConcurrentLinkedQueue<>();

        final Queue<Boolean> finishedDuringStop = new ConcurrentLinkedQueue<>();

        final Queue<Integer> interrupted = new ConcurrentLinkedQueue<>();

        final CountDownLatch release = new CountDownLatch(1);

        private final WorkerLifecycle lifecycle;

        SlowHandler(WorkerLifecycle lifecycle) {
            this.lifecycle = lifecycle;
        }

        @TaskHandler("slow")
        void handle(Integer number) {
            this.started.add(number);
            try {
                this.release.await();
            }
            catch (InterruptedException ex) {
                this.interrupted.add(number);
                Thread.currentThread().interrupt();
                throw new IllegalStateException("cut short", ex);
            }
            this.finishedDuringStop.add(!this.lifecycle.isRunning());
        }
    }
}
