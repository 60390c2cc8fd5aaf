package dev.apalis.spring.boot.actuate;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

import brave.handler.MutableSpan;
import brave.handler.SpanHandler;
import brave.propagation.TraceContext;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.micrometer.tracing.test.autoconfigure.AutoConfigureTracing;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClient;

import dev.apalis.spring.TaskClient;
import dev.apalis.spring.TaskHandler;
import dev.apalis.spring.Workers;
import dev.apalis.task.Task;
import dev.apalis.task.TaskContext;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskOptions;
import dev.apalis.task.TaskStatus;
import dev.apalis.test.TestPostgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A whole application on PostgreSQL with Actuator over HTTP, Brave tracing and a simple meter
 * registry: a trace started by the request that pushes continues in the task; the task metrics by
 * outcome; the {@code apalis} health component; the {@code apalis} endpoint's read and write
 * operations (exposed, with unrestricted access).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = { "management.endpoints.web.exposure.include=health,metrics,apalis",
                "management.endpoint.apalis.access=unrestricted", "management.endpoint.health.show-details=always",
                "management.tracing.sampling.probability=1.0", "apalis.defaults.backoff.initial=20ms",
                "apalis.defaults.backoff.jitter=0", "apalis.defaults.poll-interval=200ms",
                "apalis.workers.doomed.max-attempts=2", "apalis.metrics.queue-depth.refresh-interval=1s" })
@AutoConfigureTracing
@DirtiesContext
class ApalisObservabilityHttpTests {

    private static final Duration WAIT = Duration.ofSeconds(15);

    private static final TestPostgres.Database DATABASE = TestPostgres.createDatabase("ApalisObservabilityHttpTests");

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @DynamicPropertySource
    static void dataSource(DynamicPropertyRegistry registry) {
        DATABASE.register(registry);
    }

    @LocalServerPort
    private int port;

    @Autowired
    private TaskClient client;

    @Autowired
    private Workers workers;

    @Autowired
    private Handlers handlers;

    @Autowired
    private MeterRegistry meters;

    @Autowired
    private Queue<MutableSpan> spans;

    private RestClient http() {
        return RestClient.builder()
            .baseUrl("http://localhost:" + this.port)
            .defaultStatusHandler(HttpStatusCode::isError, (request, response) -> {
            })
            .build();
    }

    private JsonNode get(String path, int expectedStatus) {
        ResponseEntity<String> response = http().get().uri(path).retrieve().toEntity(String.class);
        assertThat(response.getStatusCode().value()).as("GET %s: %s", path, response.getBody())
            .isEqualTo(expectedStatus);
        return (response.getBody() != null) ? JSON.readTree(response.getBody()) : null;
    }

    private JsonNode post(String path, String json, int expectedStatus) {
        ResponseEntity<String> response = http().post()
            .uri(path)
            .contentType(MediaType.APPLICATION_JSON)
            .body(json)
            .retrieve()
            .toEntity(String.class);
        assertThat(response.getStatusCode().value()).as("POST %s: %s", path, response.getBody())
            .isEqualTo(expectedStatus);
        return (response.getBody() != null) ? JSON.readTree(response.getBody()) : null;
    }

    private Task awaitStatus(TaskId id, TaskStatus status) {
        return await().atMost(WAIT).until(() -> this.client.find(id).orElseThrow(), (task) -> task.status() == status);
    }

    // ---------------------------------------------------------------- tracing

    @Test
    void theTraceOfTheRequestThatPushedContinuesInTheTask() {
        String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        String callerSpanId = "00f067aa0ba902b7";

        ResponseEntity<String> pushed = http().post()
            .uri("/push/email")
            .header("traceparent", "00-" + traceId + "-" + callerSpanId + "-01")
            .contentType(MediaType.TEXT_PLAIN)
            .body("traced")
            .retrieve()
            .toEntity(String.class);
        assertThat(pushed.getStatusCode().value()).isEqualTo(200);
        TaskId id = TaskId.parse(pushed.getBody());
        awaitStatus(id, TaskStatus.DONE);

        Handlers.Seen seen = this.handlers.seen.get(id);
        assertThat(seen.traceId()).as("the task's trace").isEqualTo(traceId);
        assertThat(seen.metadata()).containsKey("traceparent");
        assertThat(seen.metadata().get("traceparent")).contains(traceId);

        MutableSpan publish = awaitSpan("publish email", traceId);
        MutableSpan process = awaitSpan("process email", traceId);
        MutableSpan request = awaitSpan("http post /push/{queue}", traceId);
        assertThat(publish.kind()).isEqualTo(brave.Span.Kind.PRODUCER);
        assertThat(publish.parentId()).isEqualTo(request.id());
        assertThat(process.kind()).isEqualTo(brave.Span.Kind.CONSUMER);
        assertThat(process.parentId()).isEqualTo(publish.id());
        assertThat(process.tags()).containsEntry("worker", "email")
            .containsEntry("queue", "email")
            .containsEntry("outcome", "success")
            .containsEntry("task.id", id.toString())
            .containsEntry("task.attempt", "1");
        assertThat(request.parentId()).isEqualTo(callerSpanId);
    }

    @Test
    void aTaskPushedOutsideAnyTraceStartsItsOwn() {
        TaskId id = this.client.push("email", "untraced");
        awaitStatus(id, TaskStatus.DONE);

        Handlers.Seen seen = this.handlers.seen.get(id);
        assertThat(seen.traceId()).isNotNull();
        MutableSpan publish = awaitSpan("publish email", seen.traceId());
        assertThat(publish.parentId()).as("the push is the root of the trace").isNull();
    }

    private MutableSpan awaitSpan(String name, String traceId) {
        return await().atMost(WAIT)
            .until(() -> this.spans.stream()
                .filter((span) -> name.equals(span.name()) && traceId.equals(span.traceId()))
                .findFirst()
                .orElse(null), (span) -> span != null);
    }

    // ---------------------------------------------------------------- metrics

    @Test
    void taskMetricsCountAttemptsByOutcome() {
        TaskId retried = this.client.push("flaky", "metrics");
        TaskId killed = this.client.push("doomed", "metrics");
        awaitStatus(retried, TaskStatus.DONE);
        awaitStatus(killed, TaskStatus.KILLED);

        await().atMost(WAIT).untilAsserted(() -> {
            assertThat(count("flaky", "failure")).isEqualTo(1);
            assertThat(count("flaky", "success")).isEqualTo(1);
            assertThat(count("doomed", "failure")).isEqualTo(1);
            assertThat(count("doomed", "killed")).isEqualTo(1);
        });
        assertThat(this.meters.get("apalis.task.wait").tags("worker", "flaky", "queue", "flaky").timer().count())
            .isEqualTo(2);
        assertThat(this.meters.get("apalis.task.active").tags("worker", "flaky").longTaskTimer().activeTasks())
            .isZero();
        assertThat(this.meters.get("apalis.worker.state").tags("worker", "flaky", "state", "running").gauge().value())
            .isEqualTo(1);
        await().atMost(WAIT)
            .untilAsserted(() -> assertThat(this.meters.find("apalis.queue.tasks")
                .tags("queue", "doomed", "status", "killed")
                .gauge()).isNotNull().satisfies((gauge) -> assertThat(gauge.value()).isGreaterThanOrEqualTo(1)));

        JsonNode timer = get("/actuator/metrics/apalis.task?tag=worker:flaky&tag=outcome:failure", 200);
        assertThat(timer.get("baseUnit").asString()).isEqualTo("seconds");
        assertThat(timer.get("measurements").get(0).get("value").asDouble()).isEqualTo(1);
        assertThat(timer.get("availableTags")).extracting((tag) -> tag.get("tag").asString())
            .contains("queue", "error");
    }

    private long count(String worker, String outcome) {
        return this.meters.find("apalis.task")
            .tags("worker", worker, "outcome", outcome)
            .timers()
            .stream()
            .mapToLong((timer) -> timer.count())
            .sum();
    }

    // ---------------------------------------------------------------- health

    @Test
    void healthHasAnApalisComponentWithTheWorkers() {
        JsonNode apalis = get("/actuator/health/apalis", 200);

        assertThat(apalis.get("status").asString()).isEqualTo("UP");
        assertThat(apalis.get("details").get("backend").asString()).isEqualTo("PostgresStorage");
        assertThat(apalis.get("details").get("workers").get("email").get("state").asString()).isEqualTo("RUNNING");
        assertThat(get("/actuator/health", 200).get("components").has("apalis")).isTrue();
    }

    // ---------------------------------------------------------------- endpoint, reading

    @Test
    void readsTheWorkersAndQueues() {
        TaskId waiting = this.client.push("nobody-listens", "x", TaskOptions.defaults());

        JsonNode all = get("/actuator/apalis", 200);

        JsonNode email = find(all.get("workers"), "email");
        assertThat(email.get("queue").asString()).isEqualTo("email");
        assertThat(email.get("state").asString()).isEqualTo("RUNNING");
        assertThat(email.get("concurrency").asInt()).isEqualTo(10);
        assertThat(email.has("inFlight")).isTrue();
        assertThat(email.has("processed")).isTrue();
        assertThat(email.has("lastError")).as("fields without a value are left out").isFalse();
        JsonNode queue = all.get("queues").get("nobody-listens");
        assertThat(queue.get("tasks").get("PENDING").asLong()).isEqualTo(1);
        assertThat(Instant.parse(queue.get("oldestDueAt").asString())).isBeforeOrEqualTo(Instant.now());
        assertThat(queue.get("oldestDueAgeSeconds").asDouble()).isGreaterThanOrEqualTo(0);
        assertThat(get("/actuator/apalis/queues", 200).get("queues").has("nobody-listens")).isTrue();
        assertThat(get("/actuator/apalis/workers", 200).get("workers").isArray()).isTrue();
        assertThat(get("/actuator/apalis/tasks/" + waiting, 200).get("status").asString()).isEqualTo("PENDING");
    }

    @Test
    void readsOneWorkerWithItsCounts() {
        TaskId id = this.client.push("counted", "one");
        awaitStatus(id, TaskStatus.DONE);

        await().atMost(WAIT).untilAsserted(() -> {
            JsonNode counted = get("/actuator/apalis/workers/counted", 200);
            assertThat(counted.get("processed").asLong()).isEqualTo(1);
            assertThat(counted.get("succeeded").asLong()).isEqualTo(1);
            assertThat(counted.get("failed").asLong()).isZero();
        });
        get("/actuator/apalis/workers/nobody", 404);
        get("/actuator/apalis/tasks/" + TaskId.next(), 404);
        get("/actuator/apalis/elsewhere/x", 404);
    }

    // ---------------------------------------------------------------- endpoint, writing

    @Test
    void pausesAndResumesAWorker() {
        JsonNode paused = post("/actuator/apalis/workers/pausable", "{\"action\":\"pause\"}", 200);
        try {
            assertThat(paused.get("applied").asBoolean()).isTrue();
            assertThat(paused.get("worker").get("state").asString()).isEqualTo("PAUSED");
            assertThat(paused.get("message").asString()).isEqualTo("Worker 'pausable' is paused: it claims nothing until resumed");
            assertThat(paused.has("task")).isFalse();
            assertThat(this.workers.get("pausable").isPaused()).isTrue();
            TaskId id = this.client.push("pausable", "while paused");
            await().during(Duration.ofMillis(600)).atMost(Duration.ofSeconds(3))
                .until(() -> this.client.status(id).orElseThrow() == TaskStatus.PENDING);

            JsonNode resumed = post("/actuator/apalis/workers/pausable", "{\"action\":\"resume\"}", 200);

            assertThat(resumed.get("worker").get("state").asString()).isEqualTo("RUNNING");
            awaitStatus(id, TaskStatus.DONE);
        }
        finally {
            this.workers.get("pausable").resume();
        }
    }

    @Test
    void retriesAKilledTaskWhichThenRunsAgain() {
        TaskId id = this.client.push("doomed", "retry me");
        awaitStatus(id, TaskStatus.KILLED);
        int attemptsBefore = this.handlers.doomed.get();

        JsonNode retried = post("/actuator/apalis/tasks/" + id, "{\"action\":\"retry\"}", 200);

        assertThat(retried.get("applied").asBoolean()).isTrue();
        assertThat(retried.get("task").get("id").asString()).isEqualTo(id.toString());
        await().atMost(WAIT).until(() -> this.handlers.doomed.get() >= attemptsBefore + 2);
        awaitStatus(id, TaskStatus.KILLED);
        JsonNode again = post("/actuator/apalis/tasks/" + id, "{\"action\":\"cancel\"}", 409);
        assertThat(again.get("applied").asBoolean()).isFalse();
        assertThat(again.get("task").get("status").asString()).isEqualTo("KILLED");
    }

    @Test
    void cancelsAPendingTask() {
        TaskId id = this.client.push("email", "later", TaskOptions.defaults().delay(Duration.ofHours(1)));

        JsonNode cancelled = post("/actuator/apalis/tasks/" + id, "{\"action\":\"cancel\"}", 200);

        assertThat(cancelled.get("task").get("status").asString()).isEqualTo("KILLED");
        assertThat(this.client.status(id)).contains(TaskStatus.KILLED);
        post("/actuator/apalis/tasks/" + id, "{\"action\":\"retry\"}", 200);
        assertThat(this.client.status(id)).isNotEqualTo(Optional.of(TaskStatus.KILLED));
    }

    @Test
    void unknownTargetsAreNotFoundAndUnknownActionsBadRequests() {
        post("/actuator/apalis/workers/nobody", "{\"action\":\"pause\"}", 404);
        post("/actuator/apalis/tasks/" + TaskId.next(), "{\"action\":\"retry\"}", 404);
        post("/actuator/apalis/workers/email", "{\"action\":\"stop\"}", 400);
        post("/actuator/apalis/workers/email", "{}", 400);
    }

    private static JsonNode find(JsonNode workers, String name) {
        for (JsonNode worker : workers) {
            if (name.equals(worker.get("name").asString())) {
                return worker;
            }
        }
        throw new AssertionError("no worker " + name + " in " + workers);
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    @Import({ Handlers.class, PushController.class })
    static class Application {

        @Bean
        Queue<MutableSpan> finishedSpans() {
            return new ConcurrentLinkedQueue<>();
        }

        @Bean
        SpanHandler collectingSpanHandler(Queue<MutableSpan> finishedSpans) {
            return new SpanHandler() {

                @Override
                public boolean end(TraceContext context, MutableSpan span, Cause cause) {
                    finishedSpans.add(span);
                    return true;
                }
            };
        }
    }

    @RestController
    static class PushController {

        private final TaskClient tasks;

        PushController(TaskClient tasks) {
            this.tasks = tasks;
        }

        @PostMapping("/push/{queue}")
        String push(@PathVariable String queue, @RequestBody String payload) {
            return this.tasks.push(queue, payload).toString();
        }
    }

    static class Handlers {

        record Seen(String traceId, Map<String, String> metadata) {
        }

        final Map<TaskId, Seen> seen = new ConcurrentHashMap<>();

        final Map<String, AtomicInteger> flaky = new ConcurrentHashMap<>();

        final AtomicInteger doomed = new AtomicInteger();

        private final Tracer tracer;

        Handlers(Tracer tracer) {
            this.tracer = tracer;
        }

        @TaskHandler("email")
        void email(String text, TaskContext context) {
            Span current = this.tracer.currentSpan();
            this.seen.put(context.taskId(),
                    new Seen((current != null) ? current.context().traceId() : null, context.metadata()));
        }

        @TaskHandler(value = "flaky", maxAttempts = "5")
        void flaky(String key) {
            if (this.flaky.computeIfAbsent(key, (k) -> new AtomicInteger()).incrementAndGet() == 1) {
                throw new IllegalStateException("fails once");
            }
        }

        @TaskHandler("doomed")
        void doomed(String payload) {
            this.doomed.incrementAndGet();
            throw new IllegalStateException("always fails");
        }

        @TaskHandler("pausable")
        void pausable(String payload) {
        }

        @TaskHandler("counted")
        void counted(String payload) {
        }
    }
}
