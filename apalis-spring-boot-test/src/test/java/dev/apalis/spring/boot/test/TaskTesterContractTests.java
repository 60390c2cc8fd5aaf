package dev.apalis.spring.boot.test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;

import dev.apalis.spring.TaskClient;
import dev.apalis.spring.Workers;
import dev.apalis.spring.boot.test.GreetingApplication.Greeter;
import dev.apalis.spring.boot.test.GreetingApplication.Greeting;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskOptions;
import dev.apalis.task.TaskStatus;
import dev.apalis.worker.WorkerEvent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * What {@link TaskTester} does on every backend; each subclass gives it one.
 */
abstract class TaskTesterContractTests {

    @Autowired
    TaskTester tasks;

    @Autowired
    TaskClient client;

    @Autowired
    Greeter greeter;

    @Autowired
    Workers workers;

    @Autowired
    ConfigurableApplicationContext context;

    @BeforeEach
    void startFromNothing() {
        this.tasks.runAll("greetings");
        this.tasks.reset();
        this.greeter.greeted.clear();
        this.greeter.attempts.set(0);
    }

    @Test
    void workersDoNotStartSoPushedTasksWaitForTheTest() {
        assertThat(this.workers.definition("greetings")).isPresent();
        assertThat(this.workers.find("greetings")).isEmpty();
        this.client.push("greetings", new Greeting("Ada", 0));
        assertThat(this.tasks.pushed("greetings")).singleElement()
            .satisfies((pushed) -> assertThat(pushed.status()).isEqualTo(TaskStatus.PENDING));
        assertThat(this.greeter.attempts).hasValue(0);
    }

    @Test
    void showsWhatWasPushedWithItsPayloadAndOptions() {
        TaskOptions options = TaskOptions.defaults()
            .priority(-3)
            .maxAttempts(2)
            .uniqueKey("greet:ada")
            .metadata("tenant", "acme")
            .delay(Duration.ofMinutes(5));
        TaskId id = this.client.push("greetings", new Greeting("Ada", 0), options);
        this.client.pushAll("other-queue", List.of("x", "y"));

        assertThat(this.tasks.pushed()).hasSize(3);
        PushedTask pushed = this.tasks.pushed("greetings").get(0);
        assertThat(pushed.id()).isEqualTo(id);
        assertThat(pushed.payload(Greeting.class)).isEqualTo(new Greeting("Ada", 0));
        assertThat(pushed.options()).isEqualTo(options);
        assertThat(pushed.task().priority()).isEqualTo(-3);
        assertThat(pushed.task().maxAttempts()).isEqualTo(2);
        assertThat(pushed.task().uniqueKey()).isEqualTo("greet:ada");
        assertThat(pushed.task().metadata()).containsEntry("tenant", "acme");
        assertThat(pushed.task().runAt()).isAfter(Instant.now().plus(Duration.ofMinutes(4)));
        assertThat(this.tasks.pushed("other-queue")).extracting((task) -> task.payload(String.class))
            .containsExactly("x", "y");

        this.tasks.reset();
        assertThat(this.tasks.pushed()).isEmpty();
    }

    @Test
    void runsDueTasksInTheTestThreadAndRetriesWhenTheTestMovesTime() {
        TaskId id = this.client.push("greetings", new Greeting("Grace", 2));
        Thread testThread = Thread.currentThread();
        List<Thread> handlerThreads = new CopyOnWriteArrayList<>();
        ApplicationListener<?> listener = ApplicationListener.forPayload((WorkerEvent event) -> {
            if (event instanceof WorkerEvent.TaskStarted) {
                handlerThreads.add(Thread.currentThread());
            }
        });
        this.context.addApplicationListener(listener);

        List<TaskRun> first = this.tasks.runPending("greetings");
        assertThat(first).singleElement().satisfies((run) -> {
            assertThat(run.taskId()).isEqualTo(id);
            assertThat(run.attempt()).isEqualTo(1);
            assertThat(run.retried()).isTrue();
            assertThat(run.failure()).hasMessageContaining("Not now (attempt 1)");
            assertThat(run.retryAt()).isBetween(this.tasks.now().plusSeconds(9), this.tasks.now().plusSeconds(11));
        });
        assertThat(this.client.status(id)).contains(TaskStatus.FAILED);
        assertThat(this.tasks.runPending("greetings")).as("the retry is not due yet").isEmpty();

        this.tasks.advance(Duration.ofSeconds(10));
        assertThat(this.tasks.runPending("greetings")).singleElement()
            .satisfies((run) -> assertThat(run.retried()).isTrue());
        this.tasks.advance(Duration.ofSeconds(20));
        assertThat(this.tasks.runPending("greetings")).singleElement().satisfies((run) -> {
            assertThat(run.attempt()).isEqualTo(3);
            assertThat(run.succeeded()).isTrue();
        });
        assertThat(this.client.status(id)).contains(TaskStatus.DONE);
        assertThat(this.greeter.greeted).containsExactly("Grace");
        assertThat(handlerThreads).hasSize(3).containsOnly(testThread);
        this.context.removeApplicationListener(listener);
    }

    @Test
    void runAllMovesTimeThroughEveryRetryUntilTheTaskIsKilled() {
        TaskId id = this.client.push("greetings", new Greeting("Linus", 99));
        List<TaskRun> runs = this.tasks.runAll("greetings");
        assertThat(runs).extracting(TaskRun::outcome)
            .containsExactly(TaskRun.Outcome.RETRIED, TaskRun.Outcome.RETRIED, TaskRun.Outcome.RETRIED,
                    TaskRun.Outcome.KILLED);
        assertThat(this.client.find(id)).hasValueSatisfying((task) -> {
            assertThat(task.status()).isEqualTo(TaskStatus.KILLED);
            assertThat(task.attempts()).isEqualTo(4);
            assertThat(task.lastError()).contains("Gave up after 4 attempts");
        });
    }

    @Test
    void aDelayedTaskRunsOnceTheTestMovedTimePastItsRunTime() {
        this.client.push("greetings", new Greeting("Barbara", 0), TaskOptions.defaults().delay(Duration.ofHours(2)));
        assertThat(this.tasks.runPending("greetings")).isEmpty();
        this.tasks.advance(Duration.ofMinutes(119));
        assertThat(this.tasks.runPending("greetings")).isEmpty();
        this.tasks.advance(Duration.ofMinutes(1));
        assertThat(this.tasks.runPending("greetings")).singleElement()
            .satisfies((run) -> assertThat(run.succeeded()).isTrue());
        assertThat(this.greeter.greeted).containsExactly("Barbara");
    }

    @Test
    void anAbortedTaskIsKilledAtOnceAndTasksRunInPriorityOrder() {
        TaskId later = this.client.push("greetings", new Greeting("Edsger", 0));
        TaskId aborted = this.client.push("greetings", new Greeting("", 0), TaskOptions.defaults().priority(-1));
        List<TaskRun> runs = this.tasks.runPending("greetings");
        assertThat(runs).extracting(TaskRun::taskId).containsExactly(aborted, later);
        assertThat(runs.get(0).killed()).isTrue();
        assertThat(this.client.status(aborted)).contains(TaskStatus.KILLED);
        assertThat(this.client.status(later)).contains(TaskStatus.DONE);
    }

    @Test
    void aQueueNoWorkerConsumesIsAnError() {
        assertThatIllegalStateException().isThrownBy(() -> this.tasks.runPending("nobody-reads-this"))
            .withMessageContaining("No worker consumes queue 'nobody-reads-this'")
            .withMessageContaining("greetings");
    }
}
