package dev.apalis.spring.boot;

import java.util.Locale;

import javax.sql.DataSource;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.AllNestedConditions;
import org.springframework.boot.autoconfigure.condition.AnyNestedCondition;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.NoneNestedConditions;
import org.springframework.boot.sql.init.dependency.DependsOnDatabaseInitialization;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.datasource.DataSourceUtils;

import dev.apalis.backend.Backend;
import dev.apalis.backend.memory.MemoryStorage;
import dev.apalis.backend.postgres.PostgresStorage;

/**
 * The backend configurations, imported in order: JDBC when {@code apalis.backend} is {@code jdbc}, or
 * {@code auto} with a DataSource bean and the PostgreSQL driver; otherwise memory; and a clear failure
 * when {@code jdbc} is asked for but spring-jdbc is missing.
 */
final class BackendConfigurations {

    private static final Log logger = LogFactory.getLog(BackendConfigurations.class);

    private BackendConfigurations() {
    }

    private static String backend(ApalisProperties properties) {
        return properties.getBackend().name().toLowerCase(Locale.ROOT);
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(DataSourceUtils.class)
    @ConditionalOnMissingBean(Backend.class)
    @Conditional(JdbcBackendCondition.class)
    static class Jdbc {

        @Bean
        @DependsOnDatabaseInitialization
        PostgresStorage apalisBackend(ApalisProperties properties,
                @ApalisDataSource ObjectProvider<DataSource> apalisDataSource, ObjectProvider<DataSource> dataSource) {
            DataSource source = apalisDataSource.getIfAvailable(dataSource::getIfUnique);
            if (source == null) {
                long count = dataSource.stream().count();
                String found = (count == 0) ? "there is none"
                        : "there are " + count + " and none is @Primary or @ApalisDataSource";
                throw new ApalisConfigurationException("The JDBC backend (apalis.backend=" + backend(properties)
                        + ") needs a DataSource, but " + found + ".",
                        (count == 0) ? "Configure one (spring.datasource.url), or set apalis.backend=memory."
                                : "Mark the DataSource for tasks with @ApalisDataSource, or one of them with @Primary.");
            }
            ApalisProperties.Jdbc jdbc = properties.getJdbc();
            return PostgresStorage.builder(source)
                .schema(jdbc.getSchema())
                .initializeSchema(jdbc.getInitializeSchema() == ApalisProperties.SchemaInitialization.ALWAYS)
                .notifications(jdbc.isNotifications())
                .orphanThreshold(jdbc.getOrphanThreshold())
                .doneRetention(jdbc.getRetention().getDone())
                .killedRetention(jdbc.getRetention().getKilled())
                .maintenanceInterval(jdbc.getMaintenanceInterval())
                .build();
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnMissingBean(Backend.class)
    @Conditional(NotJdbcBackendCondition.class)
    static class Memory {

        @Bean
        MemoryStorage apalisBackend(ApalisProperties properties) {
            logger.info("Apalis stores tasks in memory (apalis.backend=" + backend(properties) + "): pending tasks "
                    + "are lost when the application stops. Add a PostgreSQL DataSource for durable tasks.");
            return new MemoryStorage();
        }
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnMissingBean(Backend.class)
    @ConditionalOnProperty(name = "apalis.backend", havingValue = "jdbc")
    static class JdbcUnavailable {

        @Bean
        Backend apalisBackend() {
            throw new ApalisConfigurationException(
                    "apalis.backend=jdbc, but spring-jdbc is not on the classpath.",
                    "Add spring-boot-starter-jdbc and the PostgreSQL driver, or set apalis.backend=memory.");
        }
    }

    /** {@code apalis.backend=jdbc}, or {@code auto} with the PostgreSQL driver and a DataSource bean. */
    static final class JdbcBackendCondition extends AnyNestedCondition {

        JdbcBackendCondition() {
            super(ConfigurationPhase.REGISTER_BEAN);
        }

        @ConditionalOnProperty(name = "apalis.backend", havingValue = "jdbc")
        static class Forced {

        }

        @Conditional(AutoWithPostgres.class)
        static class Auto {

        }
    }

    /** {@code apalis.backend=auto} (the default), the PostgreSQL driver, and a DataSource bean. */
    static final class AutoWithPostgres extends AllNestedConditions {

        AutoWithPostgres() {
            super(ConfigurationPhase.REGISTER_BEAN);
        }

        @ConditionalOnProperty(name = "apalis.backend", havingValue = "auto", matchIfMissing = true)
        static class AutoBackend {

        }

        @ConditionalOnClass(name = "org.postgresql.Driver")
        static class PostgresDriver {

        }

        @ConditionalOnBean(DataSource.class)
        static class DataSourceBean {

        }
    }

    /** Anything but {@code apalis.backend=jdbc}. */
    static final class NotJdbcBackendCondition extends NoneNestedConditions {

        NotJdbcBackendCondition() {
            super(ConfigurationPhase.REGISTER_BEAN);
        }

        @ConditionalOnProperty(name = "apalis.backend", havingValue = "jdbc")
        static class Forced {

        }
    }
}
