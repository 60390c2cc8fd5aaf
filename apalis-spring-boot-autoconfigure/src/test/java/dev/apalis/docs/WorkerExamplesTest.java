package dev.apalis.docs;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import dev.apalis.backend.TaskProducer;
import dev.apalis.backend.memory.MemoryStorage;
import dev.apalis.task.AbortTaskException;
import dev.apalis.task.JsonPayloadCodec;
import dev.apalis.task.NewTask;
import dev.apalis.task.PayloadCodec;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskOptions;
import dev.apalis.task.TaskStatus;
import dev.apalis.worker.Monitor;
import dev.apalis.worker.RetryPolicy;
import dev.apalis.worker.Worker;
import dev.apalis.worker.WorkerBuilder;
import dev.apalis.worker.WorkerContext;
import dev.apalis.worker.WorkerEvent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The plain-Java examples of {@code docs/workers.md} and {@code docs/events.md}, each run on a
 * {@link MemoryStorage}; {@link DocsSnippetsTest} checks that the docs quote them as they are here.
 */
class WorkerExamplesTest {

    record Email(String to, String subject) {
    }

    static final class Mailer {

        final List<Email> sent = new CopyOnWriteArrayList<>();

        void send(Email email) {
            sent.add(email);
        }
    }

    private final MemoryStorage storage = new MemoryStorage();

    private final PayloadCodec codec = JsonPayloadCodec.withDefaults();

    private final Mailer mailer = new Mailer();

    private void push(Email email) {
        storage.push(new NewTask("email", codec.encode(email), TaskOptions.defaults()));
    }

    @Test
    void buildAndStart() throws Exception {
        Worker worker = WorkerBuilder.named("email")
                .backend(storage)                                   // a MemoryStorage or a PostgresStorage
                .concurrency(8)                                     // at most 8 tasks at once
                .retry(RetryPolicy.defaults().maxAttempts(5))       // 1 s, 2 s, 4 s, 8 s between attempts
                .timeout(Duration.ofSeconds(30))                    // interrupt an attempt after 30 s
                .rateLimit(100, Duration.ofSeconds(1))              // at most 100 starts per second
                .data(mailer)                                       // shared with handlers
                .onEvent((ctx, event) -> System.out.println(event)) // every event, on the worker's threads
                .build(Email.class, (email, ctx) -> ctx.data(Mailer.class).send(email));

        WorkerContext context = worker.start();                     // returns at once
        push(new Email("ada@example.com", "Welcome"));
        await().atMost(5, TimeUnit.SECONDS).until(() -> mailer.sent.size() == 1);
        context.pause();                                            // claims nothing; tasks in flight go on
        context.resume();
        context.stop();                                             // graceful: finish, release, then Stop
        context.awaitTermination(Duration.ofSeconds(30));
        assertThat(context.isRunning()).isFalse();
    }

    @Test
    void createAStorageAndPushWithoutSpring() {
        MemoryStorage storage = new MemoryStorage();                  // tasks live in this JVM only
        TaskProducer producer = new TaskProducer(storage, JsonPayloadCodec.withDefaults());
        TaskId id = producer.push("email", new Email("ada@example.com", "Welcome"));
        TaskId later = producer.push("email", new Email("bob@example.com", "Hello"),
                TaskOptions.defaults().delay(Duration.ofMinutes(5)));

        assertThat(storage.find(id)).isPresent();
        assertThat(storage.find(later).orElseThrow().status()).isEqualTo(TaskStatus.PENDING);
    }

    @Test
    void runUntilSignal() throws Exception {
        push(new Email("ada@example.com", "Welcome"));
        CompletableFuture<Void> signal = new CompletableFuture<>();  // or ShutdownSignal.onJvmShutdown()
        Worker worker = WorkerBuilder.named("email")
                .backend(storage)
                .onEvent((ctx, event) -> {
                    if (event instanceof WorkerEvent.Idle) {
                        signal.complete(null);                       // stop once the queue is empty
                    }
                })
                .build(Email.class, (email, ctx) -> mailer.send(email));
        worker.runUntil(signal);                                     // blocks until stopped gracefully
        assertThat(mailer.sent).hasSize(1);
    }

    @Test
    void stopFromInsideATask() throws Exception {
        push(new Email("ada@example.com", "Last one"));
        Worker worker = WorkerBuilder.named("email")
                .backend(storage)
                .build(Email.class, (email, ctx) -> {
                    mailer.send(email);
                    if (email.subject().equals("Last one")) {
                        ctx.worker().stop();                         // stops once this task is done
                    }
                });
        worker.run();                                                // blocks until stopped
        assertThat(mailer.sent).extracting(Email::subject).containsExactly("Last one");
    }

    @Test
    void streamEvents() {
        push(new Email("ada@example.com", "Welcome"));
        Worker worker = WorkerBuilder.named("email")
                .backend(storage)
                .build(Email.class, (email, ctx) -> mailer.send(email));
        try (Stream<WorkerEvent> events = worker.stream()) {         // starts the worker
            events.takeWhile(event -> !(event instanceof WorkerEvent.Idle))
                    .forEach(event -> System.out.println(event));    // Start, TaskStarted, TaskSucceeded
        }                                                            // closing the stream stops the worker
        assertThat(mailer.sent).hasSize(1);
    }

    @Test
    void failAndAbort() throws Exception {
        storage.push(new NewTask("email", codec.encode(new Email("nobody", "Welcome")), TaskOptions.defaults()));
        Worker worker = WorkerBuilder.named("email")
                .backend(storage)
                .build(Email.class, (email, ctx) -> {
                    if (!email.to().contains("@")) {
                        throw new AbortTaskException("Not an address: " + email.to());  // killed, no retry
                    }
                    mailer.send(email);                               // any other exception: retried
                });
        WorkerContext context = worker.start();
        await().atMost(5, TimeUnit.SECONDS).until(() -> storage.countByQueueAndStatus().stream()
            .anyMatch(count -> count.status() == TaskStatus.KILLED));
        context.stop();
        assertThat(context.awaitTermination(Duration.ofSeconds(5))).isTrue();
        assertThat(mailer.sent).isEmpty();
        assertThat(storage.countByQueueAndStatus()).singleElement()
            .satisfies(count -> assertThat(count.status()).isEqualTo(TaskStatus.KILLED));
    }

    @Test
    void monitor() throws Exception {
        Worker emails = WorkerBuilder.named("email").backend(storage)
                .build(Email.class, (email, ctx) -> mailer.send(email));
        Worker reports = WorkerBuilder.named("report").backend(storage)
                .build(String.class, (month, ctx) -> System.out.println("report for " + month));
        Monitor monitor = Monitor.create()
                .register(emails)
                .register(reports)
                .shutdownTimeout(Duration.ofSeconds(30));
        monitor.start();
        // ... later, or from a signal with monitor.runUntil(ShutdownSignal.onJvmShutdown())
        monitor.stop();                                              // stops all, waits for all
        assertThat(emails.toString()).contains("STOPPED");
        assertThat(reports.toString()).contains("STOPPED");
    }

    @Test
    void listenToEvents() throws Exception {
        storage.push(new NewTask("email", "{\"to\": 42, \"subject\": []}", TaskOptions.defaults()));
        List<String> log = new CopyOnWriteArrayList<>();
        Worker worker = WorkerBuilder.named("email")
                .backend(storage)
                .onEvent((ctx, event) -> {
                    if (event instanceof WorkerEvent.TaskFailed failed && !failed.willRetry()) {
                        log.add("gave up on " + failed.taskId() + " after attempt " + failed.attempt());
                    }
                    else if (event instanceof WorkerEvent.Error error) {
                        log.add("worker " + error.worker() + " hit " + error.error());
                    }
                })
                .build(Email.class, (email, ctx) -> mailer.send(email));
        WorkerContext context = worker.start();
        await().atMost(5, TimeUnit.SECONDS).until(() -> !log.isEmpty());
        context.stop();
        assertThat(context.awaitTermination(Duration.ofSeconds(5))).isTrue();
        assertThat(log).singleElement().asString().startsWith("gave up on ").endsWith("after attempt 1");
    }
}
