package dev.apalis.spring.boot;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

import dev.apalis.spring.TaskHandler;
import dev.apalis.spring.WorkerDefinition;
import dev.apalis.spring.Workers;
import dev.apalis.task.TaskContext;
import dev.apalis.worker.WorkerContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static dev.apalis.spring.boot.StartupFailures.assertApalisFailure;

/**
 * How {@code @TaskHandler} methods are found and validated, and how each worker's settings are
 * resolved from the defaults, the annotation and {@code apalis.workers.<name>}.
 */
@ExtendWith(OutputCaptureExtension.class)
class TaskHandlerDiscoveryTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(ApalisAutoConfiguration.class));

    @Test
    void findsHandlersWithThePayloadAndTheContextInEitherOrder() {
        this.runner.withUserConfiguration(ValidHandlers.class).run((context) -> {
            Workers workers = context.getBean(Workers.class);
            assertThat(workers.definitions()).extracting(WorkerDefinition::name)
                .containsExactly("context-first", "generic", "payload-only", "payload-then-context");
            WorkerDefinition generic = workers.definition("generic").orElseThrow();
            assertThat(generic.payloadType().getTypeName()).isEqualTo("java.util.List<" + Email.class.getName() + ">");
            assertThat(generic.beanName()).isEqualTo("taskHandlerDiscoveryTests.ValidHandlers");
            assertThat(generic.method().getName()).isEqualTo("generic");
            assertThat(generic.handlerDescription())
                .isEqualTo("bean 'taskHandlerDiscoveryTests.ValidHandlers', method " + ValidHandlers.class.getName() + ".generic(List<"
                        + Email.class.getSimpleName() + ">)");
            assertThat(workers.find("payload-only")).map(WorkerContext::isRunning).hasValue(true);
        });
    }

    @Test
    void resolvesPayloadTypeVariablesFromTheBeanClass() {
        this.runner.withUserConfiguration(GenericSubclassConfiguration.class).run((context) -> {
            WorkerDefinition definition = context.getBean(Workers.class).definition("typed").orElseThrow();
            assertThat(definition.payloadType()).isEqualTo(Email.class);
        });
    }

    @Test
    void builtInDefaultsApplyWhenNothingIsSet() {
        this.runner.withUserConfiguration(PlainHandler.class).run((context) -> {
            WorkerDefinition definition = context.getBean(Workers.class).definition("plain").orElseThrow();
            assertThat(definition.queue()).isEqualTo("plain");
            assertThat(definition.enabled()).isTrue();
            assertThat(definition.concurrency()).isEqualTo(10);
            assertThat(definition.prefetch()).as("adaptive").isNull();
            assertThat(definition.pollInterval()).isEqualTo(Duration.ofSeconds(1));
            assertThat(definition.timeout()).isNull();
            assertThat(definition.attemptTimeout()).isEmpty();
            assertThat(definition.retryPolicy().maxAttempts()).isEqualTo(25);
            assertThat(definition.retryPolicy().initial()).isEqualTo(Duration.ofSeconds(1));
            assertThat(definition.retryPolicy().multiplier()).isEqualTo(2.0);
            assertThat(definition.retryPolicy().max()).isEqualTo(Duration.ofHours(1));
            assertThat(definition.retryPolicy().jitter()).isEqualTo(0.1);
            assertThat(definition.rateLimitPermits()).isZero();
            assertThat(definition.heartbeatInterval()).isEqualTo(Duration.ofSeconds(5));
            assertThat(definition.shutdownTimeout()).isEqualTo(Duration.ofSeconds(25));
        });
    }

    @Test
    void annotationOverridesDefaultsAndWorkerPropertiesOverrideTheAnnotation() {
        this.runner.withUserConfiguration(TunedHandler.class)
            .withPropertyValues("apalis.defaults.concurrency=20", "apalis.defaults.prefetch=2",
                    "apalis.defaults.max-attempts=7", "apalis.defaults.poll-interval=2s",
                    "apalis.defaults.backoff.jitter=0.5", "apalis.workers.tuned.timeout=45s",
                    "apalis.workers.tuned.backoff.initial=3s", "apalis.workers.tuned.rate-limit.permits=9",
                    "apalis.workers.tuned.shutdown-timeout=5s", "apalis.workers.tuned.queue=from-properties",
                    "apalis.jdbc.heartbeat-interval=2s")
            .run((context) -> {
                WorkerDefinition definition = context.getBean(Workers.class).definition("tuned").orElseThrow();
                // annotation beats apalis.defaults
                assertThat(definition.concurrency()).isEqualTo(4);
                assertThat(definition.retryPolicy().maxAttempts()).isEqualTo(3);
                assertThat(definition.retryPolicy().multiplier()).isEqualTo(1.5);
                assertThat(definition.rateLimitPeriod()).isEqualTo(Duration.ofMinutes(1));
                // apalis.defaults where the annotation is silent
                assertThat(definition.prefetch()).isEqualTo(2);
                assertThat(definition.pollInterval()).isEqualTo(Duration.ofSeconds(2));
                assertThat(definition.retryPolicy().jitter()).isEqualTo(0.5);
                // apalis.workers.<name> beats the annotation
                assertThat(definition.queue()).isEqualTo("from-properties");
                assertThat(definition.timeout()).isEqualTo(Duration.ofSeconds(45));
                assertThat(definition.retryPolicy().initial()).isEqualTo(Duration.ofSeconds(3));
                assertThat(definition.rateLimitPermits()).isEqualTo(9);
                assertThat(definition.shutdownTimeout()).isEqualTo(Duration.ofSeconds(5));
                assertThat(definition.heartbeatInterval()).isEqualTo(Duration.ofSeconds(2));
                assertThat(context.getBean(Workers.class).get("tuned").queue()).isEqualTo("from-properties");
            });
    }

    @Test
    void annotationAttributesResolvePlaceholders() {
        this.runner.withUserConfiguration(PlaceholderHandler.class)
            .withPropertyValues("tasks.name=reports", "tasks.concurrency=6", "tasks.timeout=90s")
            .run((context) -> {
                WorkerDefinition definition = context.getBean(Workers.class).definition("reports").orElseThrow();
                assertThat(definition.concurrency()).isEqualTo(6);
                assertThat(definition.timeout()).isEqualTo(Duration.ofSeconds(90));
                assertThat(definition.queue()).isEqualTo("reports-queue");
                // "${tasks.max-attempts:}" resolves to empty: not set on the annotation
                assertThat(definition.retryPolicy().maxAttempts()).isEqualTo(25);
            });
    }

    @Test
    void placeholderDefaultsApplyWhenThePropertyIsMissing() {
        this.runner.withUserConfiguration(PlaceholderHandler.class)
            .withPropertyValues("tasks.name=reports")
            .run((context) -> {
                WorkerDefinition definition = context.getBean(Workers.class).definition("reports").orElseThrow();
                assertThat(definition.concurrency()).isEqualTo(2);
                assertThat(definition.timeout()).isEqualTo(Duration.ofSeconds(30));
            });
    }

    @Test
    void unresolvablePlaceholderFailsNamingTheMethodAndAttribute() {
        this.runner.withUserConfiguration(PlaceholderHandler.class).run((context) -> {
            assertApalisFailure(context)
                .hasMessageContaining("bean 'taskHandlerDiscoveryTests.PlaceholderHandler', method " + PlaceholderHandler.class.getName()
                        + ".handle(Email)")
                .hasMessageContaining("@TaskHandler(value = \"${tasks.name}\") cannot be resolved")
                .hasMessageContaining("tasks.name");
        });
    }

    @Test
    void attributesThatDoNotParseFailNamingTheMethod() {
        this.runner.withUserConfiguration(BadAttributesHandler.class)
            .withPropertyValues("bad.jitter=1.5")
            .run((context) -> {
                assertApalisFailure(context)
                    .hasMessageContaining("bean 'taskHandlerDiscoveryTests.BadAttributesHandler', method")
                    .hasMessageContaining("@TaskHandler(concurrency = \"lots\") must be a whole number")
                    .hasMessageContaining("@TaskHandler(timeout = \"-5s\") must be at least 100ms")
                    .hasMessageContaining("@TaskHandler(backoffJitter = \"${bad.jitter}\" (resolved to \"1.5\")) "
                            + "must be between 0.0 and 1.0")
                    .hasMessageContaining("@TaskHandler(maxAttempts = \"0\") must be 1 or more");
            });
    }

    @Test
    void twoPayloadParametersFail() {
        assertInvalid(TwoPayloads.class, "bean 'taskHandlerDiscoveryTests.TwoPayloads', method " + TwoPayloads.class.getName()
                + ".handle(Email, String)", "has 2 payload parameters [Email, String]");
    }

    @Test
    void noPayloadParameterFails() {
        assertInvalid(NoPayload.class, "method " + NoPayload.class.getName() + ".handle(TaskContext)",
                "has no payload parameter");
    }

    @Test
    void noParameterAtAllFails() {
        assertInvalid(NoParameters.class, "method " + NoParameters.class.getName() + ".handle()",
                "has no payload parameter");
    }

    @Test
    void twoContextsFail() {
        assertInvalid(TwoContexts.class, "method " + TwoContexts.class.getName() + ".handle(TaskContext, Email, "
                + "TaskContext)", "declares TaskContext twice");
    }

    @Test
    void workerContextParameterFailsWithAHint() {
        assertInvalid(WorkerContextParameter.class, "WorkerContextParameter.handle(Email, WorkerContext)",
                "take a TaskContext and call context.worker()");
    }

    @Test
    void asynchronousReturnTypeFails() {
        assertInvalid(AsyncHandler.class, "AsyncHandler.handle(Email)", "returns CompletableFuture");
    }

    @Test
    void missingWorkerNameFails() {
        assertInvalid(NamelessHandler.class, "NamelessHandler.handle(Email)",
                "@TaskHandler needs a worker name, for example @TaskHandler(\"email\")");
    }

    @Test
    void twoHandlersForOneWorkerFailNamingBoth() {
        this.runner.withUserConfiguration(PlainHandler.class, DuplicateOfPlain.class).run((context) -> {
            assertApalisFailure(context)
                .hasMessageContaining("Worker 'plain' is defined twice")
                .hasMessageContaining("bean 'taskHandlerDiscoveryTests.PlainHandler', method " + PlainHandler.class.getName() + ".handle(Email)")
                .hasMessageContaining("bean 'taskHandlerDiscoveryTests.DuplicateOfPlain', method " + DuplicateOfPlain.class.getName()
                        + ".other(Email)");
        });
    }

    @Test
    void namesThatPropertiesCannotTellApartFail() {
        this.runner.withUserConfiguration(CamelCaseHandler.class, KebabCaseHandler.class).run((context) -> {
            assertApalisFailure(context)
                .hasMessageContaining("Worker 'sendEmail' is defined twice")
                .hasMessageContaining("as 'send-email', which properties cannot tell apart from 'sendEmail'");
        });
    }

    @Test
    void everyProblemIsReportedAtOnce() {
        this.runner.withUserConfiguration(TwoPayloads.class, NoPayload.class).run((context) -> {
            assertApalisFailure(context)
                .hasMessageContaining("TwoPayloads.handle")
                .hasMessageContaining("NoPayload.handle");
        });
    }

    @Test
    void propertiesForAnUnknownWorkerFailListingTheKnownOnes() {
        this.runner.withUserConfiguration(PlainHandler.class, TunedHandler.class)
            .withPropertyValues("apalis.workers.plian.concurrency=3")
            .run((context) -> {
                assertApalisFailure(context)
                    .hasMessageContaining("apalis.workers configures a worker that no @TaskHandler defines: plian")
                    .hasMessageContaining("Known workers: plain, tuned.");
            });
    }

    @Test
    void workerPropertiesMatchNamesIgnoringCaseAndDashesLikeEnvironmentVariables() {
        this.runner.withUserConfiguration(CamelCaseHandler.class)
            .withPropertyValues("apalis.workers.send-email.concurrency=3", "apalis.workers.SENDEMAIL.prefetch=4")
            .run((context) -> {
                WorkerDefinition definition = context.getBean(Workers.class).definition("sendEmail").orElseThrow();
                assertThat(definition.concurrency()).isEqualTo(3);
                assertThat(definition.prefetch()).isEqualTo(4);
            });
    }

    @Test
    void warnsWhenTwoWorkersConsumeOneQueue(CapturedOutput output) {
        this.runner.withUserConfiguration(PlainHandler.class, TunedHandler.class)
            .withPropertyValues("apalis.workers.tuned.queue=plain")
            .run((context) -> {
                assertThat(context).hasNotFailed();
                assertThat(output).contains("Workers [plain, tuned] all consume queue 'plain'");
            });
    }

    @Test
    void disabledWorkerIsDefinedButNotStarted() {
        this.runner.withUserConfiguration(PlainHandler.class, TunedHandler.class)
            .withPropertyValues("apalis.workers.plain.enabled=false")
            .run((context) -> {
                Workers workers = context.getBean(Workers.class);
                assertThat(workers.definition("plain")).map(WorkerDefinition::enabled).hasValue(false);
                assertThat(workers.find("plain")).isEmpty();
                assertThat(workers.find("tuned")).map(WorkerContext::isRunning).hasValue(true);
                assertThatExceptionOfType(java.util.NoSuchElementException.class)
                    .isThrownBy(() -> workers.get("plain"))
                    .withMessageContaining("Worker 'plain' is disabled");
            });
    }

    @Test
    void workersCanBeDisabledByDefaultAndEnabledOneByOne() {
        this.runner.withUserConfiguration(PlainHandler.class, TunedHandler.class)
            .withPropertyValues("apalis.defaults.enabled=false", "apalis.workers.tuned.enabled=true")
            .run((context) -> {
                Workers workers = context.getBean(Workers.class);
                assertThat(workers.find("plain")).isEmpty();
                assertThat(workers.find("tuned")).isPresent();
            });
    }

    @Test
    void unknownWorkerNameInCodeListsTheKnownOnes() {
        this.runner.withUserConfiguration(PlainHandler.class).run((context) -> {
            assertThatExceptionOfType(java.util.NoSuchElementException.class)
                .isThrownBy(() -> context.getBean(Workers.class).get("nope"))
                .withMessage("No worker named 'nope'; known workers: plain");
        });
    }

    @Test
    void mergedBackoffThatDoesNotFitTogetherFailsNamingTheWorker() {
        this.runner.withUserConfiguration(PlainHandler.class)
            .withPropertyValues("apalis.workers.plain.backoff.max=100ms")
            .run((context) -> {
                assertApalisFailure(context)
                    .hasMessageContaining("Worker 'plain' (bean 'taskHandlerDiscoveryTests.PlainHandler'")
                    .hasMessageContaining("must not be shorter than the initial one");
            });
    }

    private void assertInvalid(Class<?> handlerClass, String where, String problem) {
        this.runner.withUserConfiguration(handlerClass).run((context) -> {
            assertApalisFailure(context)
                .hasMessageContaining("Invalid @TaskHandler methods")
                .hasMessageContaining(where)
                .hasMessageContaining(problem);
        });
    }

    record Email(String to, String subject) {
    }

    @Configuration(proxyBeanMethods = false)
    static class ValidHandlers {

        @TaskHandler("payload-only")
        void payloadOnly(Email email) {
        }

        @TaskHandler("payload-then-context")
        void payloadThenContext(Email email, TaskContext context) {
        }

        @TaskHandler("context-first")
        void contextFirst(TaskContext context, Email email) {
        }

        @TaskHandler("generic")
        public String generic(List<Email> emails) {
            return "ignored";
        }
    }

    abstract static class TypedHandler<T> {

        @TaskHandler("typed")
        void handle(T payload) {
        }
    }

    static class EmailTypedHandler extends TypedHandler<Email> {

    }

    @Configuration(proxyBeanMethods = false)
    static class GenericSubclassConfiguration {

        @Bean
        EmailTypedHandler emailTypedHandler() {
            return new EmailTypedHandler();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class PlainHandler {

        @TaskHandler("plain")
        void handle(Email email) {
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class DuplicateOfPlain {

        @TaskHandler(name = "plain")
        void other(Email email) {
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class TunedHandler {

        @TaskHandler(value = "tuned", queue = "from-annotation", concurrency = "4", maxAttempts = "3",
                timeout = "10s", backoffInitial = "2s", backoffMultiplier = "1.5", rateLimitPermits = "5",
                rateLimitPeriod = "1m")
        void handle(Email email) {
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class PlaceholderHandler {

        @TaskHandler(value = "${tasks.name}", queue = "${tasks.name}-queue", concurrency = "${tasks.concurrency:2}",
                timeout = "${tasks.timeout:30s}", maxAttempts = "${tasks.max-attempts:}")
        void handle(Email email) {
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class BadAttributesHandler {

        @TaskHandler(value = "bad", concurrency = "lots", timeout = "-5s", backoffJitter = "${bad.jitter}",
                maxAttempts = "0")
        void handle(Email email) {
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class TwoPayloads {

        @TaskHandler("two")
        void handle(Email email, String other) {
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class NoPayload {

        @TaskHandler("none")
        void handle(TaskContext context) {
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class NoParameters {

        @TaskHandler("nothing")
        void handle() {
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class TwoContexts {

        @TaskHandler("contexts")
        void handle(TaskContext first, Email email, TaskContext second) {
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class WorkerContextParameter {

        @TaskHandler("worker-context")
        void handle(Email email, WorkerContext worker) {
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class AsyncHandler {

        @TaskHandler("async")
        CompletableFuture<Void> handle(Email email) {
            return CompletableFuture.completedFuture(null);
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class NamelessHandler {

        @TaskHandler(queue = "somewhere")
        void handle(Email email) {
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class CamelCaseHandler {

        @TaskHandler("sendEmail")
        void handle(Email email) {
        }
    }

    @Configuration(proxyBeanMethods = false)
    @Import(CamelCaseHandler.class)
    static class KebabCaseHandler {

        @TaskHandler("send-email")
        void handle(Email email) {
        }
    }
}
