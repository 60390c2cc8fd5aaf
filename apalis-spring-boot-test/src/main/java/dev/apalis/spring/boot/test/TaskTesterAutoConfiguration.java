package dev.apalis.spring.boot.test;

import javax.sql.DataSource;

import org.jspecify.annotations.Nullable;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.AllNestedConditions;
import org.springframework.boot.autoconfigure.condition.AnyNestedCondition;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.ClassUtils;

import dev.apalis.backend.Backend;
import dev.apalis.backend.memory.MemoryStorage;
import dev.apalis.backend.postgres.PostgresStorage;
import dev.apalis.spring.Workers;
import dev.apalis.spring.boot.ApalisAutoConfiguration;
import dev.apalis.spring.boot.ApalisDataSource;
import dev.apalis.task.PayloadCodec;
import dev.apalis.worker.TaskInterceptor;

/**
 * Auto-configuration of the {@link TaskTester}, imported by
 * {@link AutoConfigureTaskTester @AutoConfigureTaskTester}: the recorder of pushes, the
 * {@link TestClock}, and, where the application would store tasks in memory, a {@link MemoryStorage}
 * on that clock.
 */
@AutoConfiguration(before = ApalisAutoConfiguration.class,
        afterName = "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration")
public final class TaskTesterAutoConfiguration {

    private static final boolean JDBC_PRESENT = ClassUtils.isPresent("org.springframework.jdbc.core.JdbcTemplate",
            TaskTesterAutoConfiguration.class.getClassLoader());

    @Bean
    @ConditionalOnMissingBean
    TestClock apalisTestClock() {
        return new TestClock();
    }

    @Bean
    PushRecorder apalisPushRecorder() {
        return new PushRecorder();
    }

    @Bean
    @ConditionalOnMissingBean
    TaskTester apalisTaskTester(Backend backend, PayloadCodec codec, Workers workers,
            ObjectProvider<TaskInterceptor> interceptors, ApplicationEventPublisher events, PushRecorder recorder,
            TestClock clock, @ApalisDataSource ObjectProvider<DataSource> apalisDataSource,
            ObjectProvider<DataSource> dataSource) {
        return new TaskTester(backend, codec, workers, interceptors.orderedStream().toList(), events, recorder,
                time(backend, clock, apalisDataSource.getIfAvailable(dataSource::getIfUnique)));
    }

    private static BackendTime time(Backend backend, TestClock clock, @Nullable DataSource dataSource) {
        if (clock.isClockOf(backend)) {
            return new BackendTime.OfClock(clock);
        }
        if (JDBC_PRESENT && dataSource != null && backend instanceof PostgresStorage postgres) {
            return new BackendTime.OfPostgres(dataSource, postgres.schema());
        }
        return new BackendTime.Fixed(backend.getClass().getSimpleName());
    }

    /** The memory backend, on the tester's clock, where the application would store tasks in memory. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnMissingBean(Backend.class)
    @Conditional(MemoryBackendCondition.class)
    static class Memory {

        @Bean
        MemoryStorage apalisBackend(TestClock clock) {
            MemoryStorage storage = new MemoryStorage(clock, MemoryStorage.DEFAULT_ORPHAN_THRESHOLD,
                    MemoryStorage.DEFAULT_FINISHED_TASKS_KEPT);
            clock.buildsOn(storage);
            return storage;
        }
    }

    /**
     * Where Apalis's auto-configuration would choose memory: {@code apalis.backend=memory}, or
     * {@code auto} without the PostgreSQL driver or without a DataSource bean.
     */
    static final class MemoryBackendCondition extends AnyNestedCondition {

        MemoryBackendCondition() {
            super(ConfigurationPhase.REGISTER_BEAN);
        }

        @ConditionalOnProperty(name = "apalis.backend", havingValue = "memory")
        static class Forced {

        }

        @Conditional(AutoWithoutPostgres.class)
        static class Auto {

        }
    }

    /** {@code apalis.backend=auto} (the default) without the PostgreSQL driver or a DataSource bean. */
    static final class AutoWithoutPostgres extends AllNestedConditions {

        AutoWithoutPostgres() {
            super(ConfigurationPhase.REGISTER_BEAN);
        }

        @ConditionalOnProperty(name = "apalis.backend", havingValue = "auto", matchIfMissing = true)
        static class AutoBackend {

        }

        @Conditional(NoPostgres.class)
        static class Missing {

        }
    }

    /** No PostgreSQL driver, or no DataSource bean. */
    static final class NoPostgres extends AnyNestedCondition {

        NoPostgres() {
            super(ConfigurationPhase.REGISTER_BEAN);
        }

        @ConditionalOnMissingClass("org.postgresql.Driver")
        static class NoDriver {

        }

        @ConditionalOnMissingBean(DataSource.class)
        static class NoDataSource {

        }
    }
}
