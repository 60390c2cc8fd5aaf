package dev.apalis.spring.boot.schedule;

import java.time.Duration;
import java.time.ZoneId;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.apalis.backend.memory.MemoryStorage;
import dev.apalis.schedule.CatchUp;
import dev.apalis.schedule.Overlap;
import dev.apalis.schedule.Schedule;
import dev.apalis.schedule.ScheduleSlot;
import dev.apalis.schedule.ScheduleState;
import dev.apalis.spring.TaskHandler;
import dev.apalis.spring.TaskSchedule;
import dev.apalis.spring.TaskSchedules;
import dev.apalis.spring.boot.ApalisAutoConfiguration;
import dev.apalis.spring.boot.ApalisConfigurationException;
import dev.apalis.task.TaskContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The Spring side of schedules: {@code @TaskSchedule} and {@code apalis.schedules.<name>.*} are stored
 * at start-up and fire into their handler, which reads its slot; the runtime bean; metrics; start-up
 * failures that name the annotation or property; a WARN for a queue no handler consumes.
 */
@ExtendWith(OutputCaptureExtension.class)
class ScheduleAutoConfigurationTests {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(ApalisAutoConfiguration.class, ApalisScheduleAutoConfiguration.class))
        .withPropertyValues("apalis.backend=memory", "spring.application.name=scheduled-app");

    @Test
    void aTaskScheduleIsStoredAndFiresIntoItsHandlerWhichReadsItsSlot() {
        runner.withUserConfiguration(EverySecond.class, Metrics.class).run(context -> {
            assertThat(context).hasNotFailed();
            TaskSchedules schedules = context.getBean(TaskSchedules.class);
            ScheduleState state = schedules.find("tick").orElseThrow();
            assertThat(state.schedule().queue()).isEqualTo("tick");
            assertThat(state.schedule().zone()).isEqualTo(ZoneId.of("UTC"));
            assertThat(state.schedule().overlap()).isEqualTo(Overlap.ALLOW);
            assertThat(state.declared()).isTrue();
            EverySecond handler = context.getBean(EverySecond.class);
            await().atMost(Duration.ofSeconds(15)).until(() -> handler.slots.size() >= 2);
            ScheduleSlot slot = handler.slots.peek();
            assertThat(slot.schedule()).isEqualTo("tick");
            assertThat(slot.triggered()).isFalse();
            MeterRegistry registry = context.getBean(MeterRegistry.class);
            await().atMost(Duration.ofSeconds(5))
                .until(() -> registry.find("apalis.schedule.slots").tag("outcome", "fired").counter() != null);
            assertThat(registry.get("apalis.schedule.lag").tag("schedule", "tick").timer().count()).isPositive();
        });
    }

    @Test
    void propertiesOverrideTheAnnotationAndDeclareSchedulesOfTheirOwn(CapturedOutput output) {
        runner.withUserConfiguration(EverySecond.class)
            .withPropertyValues("apalis.schedules.tick.cron=0 0 3 * * *", "apalis.schedules.tick.zone=Europe/Berlin",
                    "apalis.schedules.tick.enabled=false", "apalis.schedules.cleanup.cron=@hourly",
                    "apalis.schedules.cleanup.catch-up=none", "apalis.schedules.cleanup.payload={\"days\": 30}")
            .run(context -> {
                assertThat(context).hasNotFailed();
                TaskSchedules schedules = context.getBean(TaskSchedules.class);
                Schedule tick = schedules.find("tick").orElseThrow().schedule();
                assertThat(tick.cron()).isEqualTo("0 0 3 * * *");
                assertThat(tick.zone()).isEqualTo(ZoneId.of("Europe/Berlin"));
                assertThat(tick.enabled()).isFalse();
                Schedule cleanup = schedules.find("cleanup").orElseThrow().schedule();
                assertThat(cleanup.queue()).isEqualTo("cleanup");
                assertThat(cleanup.catchUp()).isEqualTo(CatchUp.NONE);
                assertThat(cleanup.payload()).isEqualTo("{\"days\": 30}");
                assertThat(output).contains("Schedule 'cleanup' pushes to queue 'cleanup', which no @TaskHandler");
            });
    }

    @Test
    void theRuntimeBeanCreatesPausesResumesTriggersAndDeletes() {
        runner.withUserConfiguration(EverySecond.class).run(context -> {
            TaskSchedules schedules = context.getBean(TaskSchedules.class);
            ScheduleState created = schedules.save("reports", "0 30 2 * * *", "tick", new Tick(7));
            assertThat(created.schedule().payload()).isEqualTo("{\"n\":7}");
            assertThat(created.declared()).isFalse();
            assertThat(schedules.pause("reports")).isTrue();
            assertThat(schedules.find("reports").orElseThrow().paused()).isTrue();
            assertThat(schedules.resume("reports")).isTrue();
            assertThat(schedules.find("reports").orElseThrow().nextRunAt()).isNotNull();
            assertThat(schedules.trigger("reports")).isPresent();
            EverySecond handler = context.getBean(EverySecond.class);
            await().atMost(Duration.ofSeconds(10)).until(() -> handler.slots.stream().anyMatch(ScheduleSlot::triggered));
            assertThat(schedules.delete("reports")).isTrue();
            assertThat(schedules.list()).extracting(ScheduleState::name).containsExactly("tick");
        });
    }

    @Test
    void backsOffFromAUserDefinedTaskSchedules() {
        runner.withUserConfiguration(OwnTaskSchedules.class).run(context -> {
            assertThat(context).getBean(TaskSchedules.class).isSameAs(context.getBean("ownSchedules"));
        });
    }

    @Test
    void anInvalidExpressionFailsStartUpNamingTheAnnotation() {
        runner.withUserConfiguration(BadCron.class).run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure())
                .isInstanceOf(ApalisConfigurationException.class)
                .hasMessageContaining("@TaskSchedule on bean")
                .hasMessageContaining("BadCron.run(Tick)")
                .hasMessageContaining("Invalid cron expression 'every day'");
        });
    }

    @Test
    void anUnknownZoneFailsStartUpNamingTheProperty() {
        runner.withUserConfiguration(EverySecond.class)
            .withPropertyValues("apalis.schedules.tick.zone=Europe/Atlantis")
            .run(context -> {
                assertThat(context).hasFailed();
                assertThat(context.getStartupFailure())
                    .hasMessageContaining("apalis.schedules.tick.zone: unknown time zone 'Europe/Atlantis'");
            });
    }

    @Test
    void aScheduleWithoutHandlerOrWithAnUnreadablePayloadFailsStartUp() {
        runner.withUserConfiguration(NoHandler.class, BadPayload.class).run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure())
                .hasMessageContaining("NoHandler.run(Tick): the method has no @TaskHandler")
                .hasMessageContaining("payload 'not json' does not read as the handler's payload type");
        });
    }

    @Test
    void aPropertyScheduleWithoutExpressionFailsStartUpNamingTheProperty() {
        runner.withPropertyValues("apalis.schedules.lonely.queue=q").run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure())
                .hasMessageContaining("apalis.schedules.lonely.cron: is required");
        });
    }

    @Test
    void aScheduleNoLongerDeclaredIsDisabledAtTheNextStartUp() {
        MemoryStorage storage = new MemoryStorage();
        runner.withUserConfiguration(EverySecond.class).withBean(MemoryStorage.class, () -> storage).run(context -> {
            assertThat(storage.schedules().find("tick").orElseThrow().active()).isTrue();
        });
        runner.withBean(MemoryStorage.class, () -> storage).run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(storage.schedules().find("tick").orElseThrow().active()).isFalse();
        });
    }

    record Tick(Integer n) {
    }

    @Configuration(proxyBeanMethods = false)
    static class EverySecond {

        final Queue<ScheduleSlot> slots = new ConcurrentLinkedQueue<>();

        @TaskHandler("tick")
        @TaskSchedule(cron = "* * * * * *", zone = "UTC", overlap = Overlap.ALLOW)
        void run(Tick tick, TaskContext context) {
            slots.add(ScheduleSlot.of(context).orElseThrow());
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class BadCron {

        @TaskHandler("bad")
        @TaskSchedule(cron = "every day")
        void run(Tick tick) {
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class NoHandler {

        @TaskSchedule(cron = "@daily")
        void run(Tick tick) {
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class BadPayload {

        @TaskHandler("payload")
        @TaskSchedule(cron = "@daily", payload = "not json")
        void run(Tick tick) {
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class Metrics {

        @Bean
        SimpleMeterRegistry registry() {
            return new SimpleMeterRegistry();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnTaskSchedules {

        @Bean
        TaskSchedules ownSchedules() {
            return new TaskSchedules(new MemoryStorage().schedules(), dev.apalis.task.JsonPayloadCodec.withDefaults());
        }
    }

}
