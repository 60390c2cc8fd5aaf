package dev.apalis.spring.boot.actuate;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Instant;
import java.util.Map;

import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.Test;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

import dev.apalis.backend.Backend;
import dev.apalis.backend.memory.MemoryStorage;
import dev.apalis.spring.TestWorkers;
import dev.apalis.spring.WorkerActivity;
import dev.apalis.worker.WorkerEvent;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The backend's answer decides the status; the details give the enabled workers' states.
 */
class ApalisHealthIndicatorTests {

    private final TestWorkers workers = new TestWorkers();

    private final WorkerActivity activity = new WorkerActivity(this.workers);

    @Test
    void upWhenTheBackendAnswersWithEveryEnabledWorkerInTheDetails() {
        this.workers.running("email").setInFlight(3);
        this.workers.running("sms").pause();
        this.workers.define("reports", false);

        Health health = new ApalisHealthIndicator(new MemoryStorage(), this.activity).health();

        assertThat(health.getStatus()).isEqualTo(Status.UP);
        assertThat(health.getDetails()).containsEntry("backend", "MemoryStorage");
        assertThat(health.getDetails().get("workers")).isEqualTo(Map.of(
                "email", Map.of("state", "RUNNING", "queue", "email", "inFlight", 3),
                "sms", Map.of("state", "PAUSED", "queue", "sms", "inFlight", 0)));
    }

    @Test
    void downWhenTheBackendDoesNotAnswerStillWithTheWorkers() {
        TestWorkers.FakeWorker email = this.workers.running("email");
        this.activity.onEvent(email, new WorkerEvent.Error("email", Instant.now(), new IllegalStateException("no db")));
        Health health = new ApalisHealthIndicator(pingFails(new MemoryStorage()), this.activity).health();

        assertThat(health.getStatus()).isEqualTo(Status.DOWN);
        assertThat(health.getDetails()).containsEntry("error",
                "java.lang.IllegalStateException: Connection refused");
        assertThat(health.getDetails().get("workers")).asInstanceOf(InstanceOfAssertFactories.map(String.class, Object.class))
            .extractingByKey("email")
            .asInstanceOf(InstanceOfAssertFactories.map(String.class, Object.class))
            .containsEntry("state", "FAILING")
            .containsEntry("lastError", "java.lang.IllegalStateException: no db")
            .containsKey("lastErrorAt");
    }

    /** The backend, but its ping fails as if the database were down. */
    static Backend pingFails(Backend backend) {
        return (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(), new Class<?>[] { Backend.class },
                (proxy, method, args) -> {
                    if (method.getName().equals("ping")) {
                        throw new IllegalStateException("Connection refused");
                    }
                    try {
                        return method.invoke(backend, args);
                    }
                    catch (InvocationTargetException ex) {
                        throw ex.getCause();
                    }
                });
    }
}
