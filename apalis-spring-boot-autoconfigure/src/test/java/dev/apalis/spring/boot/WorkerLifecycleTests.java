package dev.apalis.spring.boot;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.JRE;

import org.springframework.aop.support.AopUtils;
import org.springframework.boot.LazyInitializationBeanFactoryPostProcessor;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.EventListener;
import org.springframework.core.annotation.Order;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.annotation.EnableTransactionManagement;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.AbstractPlatformTransactionManager;
import org.springframework.transaction.support.DefaultTransactionStatus;
import org.springframework.transaction.support.TransactionSynchronizationManager;

import dev.apalis.spring.TaskClient;
import dev.apalis.spring.TaskHandler;
import dev.apalis.spring.Workers;
import dev.apalis.task.AbortTaskException;
import dev.apalis.task.RetryTaskException;
import dev.apalis.task.Task;
import dev.apalis.task.TaskContext;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskStatus;
import dev.apalis.worker.TaskInterceptor;
import dev.apalis.worker.WorkerContext;
import dev.apalis.worker.WorkerEvent;
import dev.apalis.worker.WorkerEventListener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Workers built from {@code @TaskHandler} methods on the memory backend: running, retrying,
 * killing, events, pause and resume, and the lifecycle's graceful stop.
 */
class WorkerLifecycleTests {

    private static final Duration WAIT = Duration.ofSeconds(10);

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(ApalisAutoConfiguration.class))
        .withUserConfiguration(Handlers.class, EventRecorder.class)
        .withPropertyValues("apalis.defaults.backoff.initial=10ms", "apalis.defaults.backoff.jitter=0",
                "apalis.defaults.poll-interval=100ms");

    @Test
    void handlerGetsThePayloadAndTheContextOnAWorkerThread() {
        this.runner.run((context) -> {
            TaskId id = context.getBean(TaskClient.class).push("email", new Email("ada@example.com", "Hi"));
            Handlers handlers = context.getBean(Handlers.class);
            await().atMost(WAIT).until(() -> !handlers.emails.isEmpty());
            Received received = handlers.emails.peek();
            assertThat(received.email()).isEqualTo(new Email("ada@example.com", "Hi"));
            assertThat(received.taskId()).isEqualTo(id);
            assertThat(received.attempt()).isEqualTo(1);
            assertThat(received.thread()).startsWith("apalis-email-");
            awaitStatus(context.getBean(TaskClient.class), id, TaskStatus.DONE);
        });
    }

    @Test
    void oneNonDaemonThreadKeepsAWorkerOnlyApplicationAliveUntilTheWorkersStop() {
        // application contexts of other test classes, cached in this JVM, may run workers of their own
        List<Thread> others = keepAliveThreads();
        this.runner.run((context) -> assertThat(keepAliveThreads()).filteredOn((thread) -> !others.contains(thread))
            .singleElement()
            .satisfies((thread) -> assertThat(thread.isDaemon()).isFalse()));
        await().atMost(WAIT).until(() -> others.containsAll(keepAliveThreads()));
    }

    private static List<Thread> keepAliveThreads() {
        return Thread.getAllStackTraces()
            .keySet()
            .stream()
            .filter((thread) -> thread.getName().equals("apalis-keep-alive") && thread.isAlive())
            .toList();
    }

    @Test
    void genericPayloadsAreReadAsTheDeclaredType() {
        this.runner.run((context) -> {
            context.getBean(TaskClient.class).push("batch", List.of(new Email("a@x", "1"), new Email("b@x", "2")));
            Handlers handlers = context.getBean(Handlers.class);
            await().atMost(WAIT).until(() -> !handlers.batches.isEmpty());
            assertThat(handlers.batches.peek()).containsExactly(new Email("a@x", "1"), new Email("b@x", "2"));
        });
    }

    @Test
    void pushAllPushesEveryPayload() {
        this.runner.run((context) -> {
            List<TaskId> ids = context.getBean(TaskClient.class)
                .pushAll("email", List.of(new Email("a@x", "1"), new Email("b@x", "2"), new Email("c@x", "3")));
            assertThat(ids).hasSize(3).doesNotHaveDuplicates();
            ids.forEach((id) -> awaitStatus(context.getBean(TaskClient.class), id, TaskStatus.DONE));
            assertThat(context.getBean(Handlers.class).emails).extracting(Received::taskId)
                .containsExactlyInAnyOrderElementsOf(ids);
        });
    }

    @Test
    void handlersOfLazyBeansRunWithLazyInitialization() {
        this.runner.withInitializer((context) -> context.addBeanFactoryPostProcessor(
                new LazyInitializationBeanFactoryPostProcessor()))
            .run((context) -> {
                TaskId id = context.getBean(TaskClient.class).push("email", new Email("a@x", "lazy"));
                awaitStatus(context.getBean(TaskClient.class), id, TaskStatus.DONE);
            });
    }

    @Test
    void pushingToAQueueNoLocalHandlerServesIsAllowed() {
        this.runner.run((context) -> {
            TaskClient client = context.getBean(TaskClient.class);
            TaskId id = client.push("served-elsewhere", new Email("a@x", "for another service"));
            assertThat(client.find(id)).hasValueSatisfying((task) -> {
                assertThat(task.queue()).isEqualTo("served-elsewhere");
                assertThat(task.status()).isEqualTo(TaskStatus.PENDING);
                assertThat(task.payload()).isEqualTo("{\"to\":\"a@x\",\"subject\":\"for another service\"}");
            });
        });
    }

    @Test
    void failedAttemptsAreRetriedWithBackoffUntilOneSucceeds() {
        this.runner.run((context) -> {
            TaskClient client = context.getBean(TaskClient.class);
            TaskId id = client.push("flaky", "fail-twice");
            Task task = awaitStatus(client, id, TaskStatus.DONE);
            assertThat(task.attempts()).isEqualTo(3);
            assertThat(context.getBean(Handlers.class).flakyAttempts.get("fail-twice")).hasValue(3);
            assertThat(context.getBean(EventRecorder.class).eventsOf(id)).extracting((event) -> event.getClass()
                .getSimpleName())
                .containsExactly("TaskStarted", "TaskFailed", "TaskStarted", "TaskFailed", "TaskStarted",
                        "TaskSucceeded");
        });
    }

    @Test
    void taskIsKilledAfterMaxAttempts() {
        this.runner.withPropertyValues("apalis.workers.flaky.max-attempts=2").run((context) -> {
            TaskClient client = context.getBean(TaskClient.class);
            TaskId id = client.push("flaky", "always");
            Task task = awaitStatus(client, id, TaskStatus.KILLED);
            assertThat(task.attempts()).isEqualTo(2);
            assertThat(task.lastError()).contains("attempt failed on purpose");
            await().atMost(WAIT)
                .until(() -> context.getBean(EventRecorder.class).eventsOf(id).stream()
                    .anyMatch(WorkerEvent.TaskKilled.class::isInstance));
        });
    }

    @Test
    void abortTaskExceptionFromTheMethodKillsAtOnce() {
        this.runner.run((context) -> {
            TaskClient client = context.getBean(TaskClient.class);
            TaskId id = client.push("flaky", "abort");
            Task task = awaitStatus(client, id, TaskStatus.KILLED);
            assertThat(task.attempts()).isEqualTo(1);
            assertThat(task.lastError()).contains("AbortTaskException").contains("no point in retrying");
        });
    }

    @Test
    void retryTaskExceptionFromTheMethodKeepsItsDelay() {
        this.runner.run((context) -> {
            TaskClient client = context.getBean(TaskClient.class);
            Instant before = Instant.now();
            TaskId id = client.push("flaky", "retry-later");
            Task task = awaitStatus(client, id, TaskStatus.FAILED);
            assertThat(task.runAt()).isAfter(before.plus(Duration.ofMinutes(59)));
        });
    }

    @Test
    void everyWorkerEventIsPublishedAsAnApplicationEvent() {
        this.runner.run((context) -> {
            EventRecorder recorder = context.getBean(EventRecorder.class);
            await().atMost(WAIT)
                .until(() -> recorder.all.stream()
                    .anyMatch((recorded) -> recorded.event() instanceof WorkerEvent.Start start
                            && start.worker().equals("email")));
            TaskId id = context.getBean(TaskClient.class).push("email", new Email("a@x", "events"));
            await().atMost(WAIT).until(() -> recorder.succeeded.stream().anyMatch((event) -> event.taskId().equals(id)));
            assertThat(recorder.eventsOf(id)).extracting((event) -> event.getClass().getSimpleName())
                .containsExactly("TaskStarted", "TaskSucceeded");
            Map<String, String> threads = recorder.threadsOf(id);
            assertThat(threads.get("TaskStarted")).startsWith("apalis-email-").doesNotEndWith("completer");
            assertThat(threads.get("TaskSucceeded")).isEqualTo("apalis-email-completer");
        });
    }

    @Test
    void interceptorListenerAndCustomizerBeansApplyToEveryWorker() {
        this.runner.withUserConfiguration(Extensions.class).run((context) -> {
            TaskId id = context.getBean(TaskClient.class).push("email", new Email("a@x", "extended"));
            Extensions extensions = context.getBean(Extensions.class);
            await().atMost(WAIT).until(() -> extensions.intercepted.contains(id));
            await().atMost(WAIT).until(() -> extensions.listened.contains(id));
            assertThat(extensions.customized).contains("email", "flaky", "batch", "slow");
            Handlers handlers = context.getBean(Handlers.class);
            await().atMost(WAIT).until(() -> handlers.emails.stream().anyMatch((received) -> received.taskId().equals(id)));
            assertThat(handlers.emails).filteredOn((received) -> received.taskId().equals(id))
                .extracting(Received::greeting)
                .containsExactly("shared by a customizer");
        });
    }

    @Test
    void workerPausesAndResumesThroughTheRegistry() {
        this.runner.run((context) -> {
            Workers workers = context.getBean(Workers.class);
            TaskClient client = context.getBean(TaskClient.class);
            WorkerContext email = workers.get("email");
            email.pause();
            assertThat(email.isPaused()).isTrue();
            await().atMost(WAIT).until(() -> context.getBean(EventRecorder.class).all.stream()
                .anyMatch((recorded) -> recorded.event() instanceof WorkerEvent.Paused));
            TaskId id = client.push("email", new Email("a@x", "while paused"));
            await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
                .until(() -> client.status(id).orElseThrow() == TaskStatus.PENDING);
            email.resume();
            awaitStatus(client, id, TaskStatus.DONE);
        });
    }

    @Test
    void stopStopsIntakeAtOnceAndCallsBackOnlyAfterTasksInFlightFinish() {
        this.runner.run((context) -> {
            TaskClient client = context.getBean(TaskClient.class);
            Handlers handlers = context.getBean(Handlers.class);
            WorkerLifecycle lifecycle = context.getBean(WorkerLifecycle.class);
            TaskId inFlight = client.push("slow", "first");
            assertThat(handlers.slowStarted.await(10, TimeUnit.SECONDS)).isTrue();
            CountDownLatch calledBack = new CountDownLatch(1);

            lifecycle.stop(calledBack::countDown);

            assertThat(lifecycle.isRunning()).isFalse();
            assertThat(calledBack.getCount()).as("callback ran while a task was in flight").isEqualTo(1);
            TaskId pushedAfterStop = client.push("slow", "second");
            handlers.slowRelease.countDown();
            assertThat(calledBack.await(10, TimeUnit.SECONDS)).isTrue();
            assertThat(client.status(inFlight)).hasValue(TaskStatus.DONE);
            assertThat(client.find(pushedAfterStop).orElseThrow()).satisfies((task) -> {
                assertThat(task.status()).isEqualTo(TaskStatus.PENDING);
                assertThat(task.attempts()).isZero();
            });
            assertThat(context.getBean(Workers.class).get("slow").isRunning()).isFalse();
        });
    }

    @Test
    void stopPastTheShutdownTimeoutInterruptsTheTaskAndPutsItBack() {
        this.runner.withPropertyValues("apalis.workers.slow.shutdown-timeout=200ms").run((context) -> {
            TaskClient client = context.getBean(TaskClient.class);
            Handlers handlers = context.getBean(Handlers.class);
            TaskId id = client.push("slow", "never released");
            assertThat(handlers.slowStarted.await(10, TimeUnit.SECONDS)).isTrue();
            CountDownLatch calledBack = new CountDownLatch(1);
            context.getBean(WorkerLifecycle.class).stop(calledBack::countDown);
            assertThat(calledBack.await(10, TimeUnit.SECONDS)).isTrue();
            Task task = client.find(id).orElseThrow();
            assertThat(task.status()).isEqualTo(TaskStatus.PENDING);
            assertThat(task.attempts()).as("a graceful stop costs no attempt").isZero();
            assertThat(task.lastError()).contains("Interrupted").contains("shutdown timeout");
            assertThat(handlers.slowInterrupted).hasValue(1);
        });
    }

    @Test
    void stopCallsBackAtOnceWhenNothingRuns() {
        this.runner.run((context) -> {
            WorkerLifecycle lifecycle = context.getBean(WorkerLifecycle.class);
            lifecycle.stop();
            CountDownLatch calledBack = new CountDownLatch(1);
            lifecycle.stop(calledBack::countDown);
            assertThat(calledBack.getCount()).isZero();
        });
    }

    @Test
    void startsFreshWorkersAfterAStop() {
        this.runner.run((context) -> {
            WorkerLifecycle lifecycle = context.getBean(WorkerLifecycle.class);
            WorkerContext first = lifecycle.get("email");
            lifecycle.stop();
            assertThat(first.isRunning()).isFalse();
            lifecycle.start();
            WorkerContext second = lifecycle.get("email");
            assertThat(second).isNotSameAs(first);
            assertThat(second.isRunning()).isTrue();
            TaskId id = context.getBean(TaskClient.class).push("email", new Email("a@x", "again"));
            awaitStatus(context.getBean(TaskClient.class), id, TaskStatus.DONE);
        });
    }

    @Test
    void closingTheContextStopsEveryWorker() {
        Queue<WorkerContext> contexts = new ConcurrentLinkedQueue<>();
        this.runner.run((context) -> {
            Workers workers = context.getBean(Workers.class);
            workers.definitions().forEach((definition) -> contexts.add(workers.get(definition.name())));
            assertThat(contexts).isNotEmpty().allMatch(WorkerContext::isRunning);
        });
        assertThat(contexts).noneMatch(WorkerContext::isRunning);
    }

    @Test
    void handlerOnAProxiedBeanIsInvokedThroughTheProxy() {
        this.runner.withUserConfiguration(TransactionalHandlerConfiguration.class).run((context) -> {
            TransactionalHandler handler = context.getBean(TransactionalHandler.class);
            assertThat(AopUtils.isAopProxy(handler)).isTrue();
            TaskId id = context.getBean(TaskClient.class).push("transactional", "payload");
            awaitStatus(context.getBean(TaskClient.class), id, TaskStatus.DONE);
            assertThat(handler.transactionActive()).containsExactly(true);
            assertThat(context.getBean(StubTransactionManager.class).commits).hasValue(1);
        });
    }

    @Test
    void handlersRunOnPlatformThreadsByDefault() {
        this.runner.run((context) -> {
            context.getBean(TaskClient.class).push("email", new Email("a@x", "thread"));
            Handlers handlers = context.getBean(Handlers.class);
            await().atMost(WAIT).until(() -> !handlers.emails.isEmpty());
            assertThat(handlers.emails.peek().virtual()).isFalse();
        });
    }

    @Test
    @EnabledForJreRange(min = JRE.JAVA_21)
    void handlersRunOnVirtualThreadsWhenEnabled() {
        this.runner.withPropertyValues("spring.threads.virtual.enabled=true").run((context) -> {
            context.getBean(TaskClient.class).push("email", new Email("a@x", "thread"));
            Handlers handlers = context.getBean(Handlers.class);
            await().atMost(WAIT).until(() -> !handlers.emails.isEmpty());
            assertThat(handlers.emails.peek().virtual()).isTrue();
            assertThat(handlers.emails.peek().thread()).startsWith("apalis-email-");
        });
    }

    @Test
    void virtualThreadPropertyIsHarmlessBeforeJava21() {
        this.runner.withPropertyValues("spring.threads.virtual.enabled=true").run((context) -> {
            TaskId id = context.getBean(TaskClient.class).push("email", new Email("a@x", "thread"));
            awaitStatus(context.getBean(TaskClient.class), id, TaskStatus.DONE);
        });
    }

    static Task awaitStatus(TaskClient client, TaskId id, TaskStatus status) {
        return await().atMost(WAIT).until(() -> client.find(id).orElseThrow(), (task) -> task.status() == status);
    }

    static boolean isVirtual(Thread thread) {
        try {
            return (boolean) Thread.class.getMethod("isVirtual").invoke(thread);
        }
        catch (ReflectiveOperationException ex) {
            return false;
        }
    }

    record Email(String to, String subject) {
    }

    record Received(Email email, TaskId taskId, int attempt, String thread, boolean virtual, String greeting) {
    }

    record Recorded(WorkerEvent event, String thread) {
    }

    @Configuration(proxyBeanMethods = false)
    static class Handlers {

        final Queue<Received> emails = new ConcurrentLinkedQueue<>();

        final Queue<List<Email>> batches = new ConcurrentLinkedQueue<>();

        final Map<String, AtomicInteger> flakyAttempts = new ConcurrentHashMap<>();

        final CountDownLatch slowStarted = new CountDownLatch(1);

        final CountDownLatch slowRelease = new CountDownLatch(1);

        final AtomicInteger slowInterrupted = new AtomicInteger();

        @TaskHandler("email")
        void email(TaskContext context, Email email) {
            String greeting = null;
            try {
                greeting = context.data(Greeting.class).text();
            }
            catch (IllegalStateException ex) {
                // no customizer in this test
            }
            this.emails.add(new Received(email, context.taskId(), context.attempt(), Thread.currentThread().getName(),
                    isVirtual(Thread.currentThread()), greeting));
        }

        @TaskHandler("batch")
        void batch(List<Email> emails) {
            this.batches.add(emails);
        }

        @TaskHandler(value = "flaky", maxAttempts = "5")
        void flaky(String mode) throws Exception {
            int attempt = this.flakyAttempts.computeIfAbsent(mode, (key) -> new AtomicInteger()).incrementAndGet();
            switch (mode) {
                case "fail-twice" -> {
                    if (attempt <= 2) {
                        throw new IllegalStateException("attempt failed on purpose");
                    }
                }
                case "abort" -> throw new AbortTaskException("no point in retrying");
                case "retry-later" -> throw new RetryTaskException("come back later", Duration.ofHours(1));
                default -> throw new Exception("attempt failed on purpose");
            }
        }

        @TaskHandler(value = "slow", concurrency = "1")
        void slow(String payload) {
            this.slowStarted.countDown();
            try {
                this.slowRelease.await();
            }
            catch (InterruptedException ex) {
                this.slowInterrupted.incrementAndGet();
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", ex);
            }
        }
    }

    record Greeting(String text) {
    }

    @Configuration(proxyBeanMethods = false)
    static class Extensions {

        final Queue<TaskId> intercepted = new ConcurrentLinkedQueue<>();

        final Queue<TaskId> listened = new ConcurrentLinkedQueue<>();

        final Queue<String> customized = new ConcurrentLinkedQueue<>();

        @Bean
        @Order(1)
        TaskInterceptor recordingInterceptor() {
            return (context, attempt) -> {
                this.intercepted.add(context.taskId());
                attempt.proceed();
            };
        }

        @Bean
        WorkerEventListener recordingListener() {
            return (worker, event) -> {
                if (event instanceof WorkerEvent.TaskSucceeded succeeded) {
                    this.listened.add(succeeded.taskId());
                }
            };
        }

        @Bean
        WorkerBuilderCustomizer greetingCustomizer() {
            return (definition, builder) -> {
                this.customized.add(definition.name());
                builder.data(new Greeting("shared by a customizer"));
            };
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class EventRecorder {

        final Queue<Recorded> all = new ConcurrentLinkedQueue<>();

        final Queue<WorkerEvent.TaskSucceeded> succeeded = new ConcurrentLinkedQueue<>();

        @EventListener
        void on(WorkerEvent event) {
            this.all.add(new Recorded(event, Thread.currentThread().getName()));
        }

        @EventListener
        void onSucceeded(WorkerEvent.TaskSucceeded event) {
            this.succeeded.add(event);
        }

        List<WorkerEvent> eventsOf(TaskId id) {
            return this.all.stream()
                .map(Recorded::event)
                .filter((event) -> event instanceof WorkerEvent.TaskEvent task && task.taskId().equals(id))
                .toList();
        }

        Map<String, String> threadsOf(TaskId id) {
            Map<String, String> threads = new ConcurrentHashMap<>();
            this.all.stream()
                .filter((recorded) -> recorded.event() instanceof WorkerEvent.TaskEvent task && task.taskId().equals(id))
                .forEach((recorded) -> threads.put(recorded.event().getClass().getSimpleName(), recorded.thread()));
            return threads;
        }
    }

    @Configuration(proxyBeanMethods = false)
    @EnableTransactionManagement
    static class TransactionalHandlerConfiguration {

        @Bean
        StubTransactionManager transactionManager() {
            return new StubTransactionManager();
        }

        @Bean
        TransactionalHandler transactionalHandler() {
            return new TransactionalHandler();
        }
    }

    static class TransactionalHandler {

        private final Queue<Boolean> transactionActive = new ConcurrentLinkedQueue<>();

        @Transactional
        @TaskHandler("transactional")
        public void handle(String payload) {
            this.transactionActive.add(TransactionSynchronizationManager.isActualTransactionActive());
        }

        public Queue<Boolean> transactionActive() {
            return this.transactionActive;
        }
    }

    /** A transaction manager with no resource: enough to see that a method runs in a transaction. */
    static class StubTransactionManager extends AbstractPlatformTransactionManager {

        final AtomicInteger commits = new AtomicInteger();

        @Override
        protected Object doGetTransaction() {
            return new Object();
        }

        @Override
        protected void doBegin(Object transaction, TransactionDefinition definition) {
        }

        @Override
        protected void doCommit(DefaultTransactionStatus status) {
            this.commits.incrementAndGet();
        }

        @Override
        protected void doRollback(DefaultTransactionStatus status) {
        }
    }
}
