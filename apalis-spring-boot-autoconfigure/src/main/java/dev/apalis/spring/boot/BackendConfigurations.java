package dev.apalis.spring.boot;

import java.sql.SQLException;
import java.time.Clock;
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
import org.springframework.core.NestedExceptionUtils;
import org.springframework.core.env.Environment;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.transaction.CannotCreateTransactionException;
import org.springframework.util.ClassUtils;

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

    private static final String DATASOURCE_URL = "spring.datasource.url";

    private static final String SPRING_JDBC_CLASS = "org.springframework.jdbc.datasource.DataSourceUtils";

    private static final String POSTGRES_DRIVER = "org.postgresql.Driver";

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
        PostgresStorage apalisBackend(ApalisProperties properties, Environment environment,
                @ApalisDataSource ObjectProvider<DataSource> apalisDataSource, ObjectProvider<DataSource> dataSource) {
            DataSource source = apalisDataSource.getIfAvailable(dataSource::getIfUnique);
            if (source == null) {
                long count = dataSource.stream().count();
                String found = (count == 0) ? "there is none"
                        : "there are " + count + " and none is @Primary or @ApalisDataSource";
                String url = environment.getProperty(DATASOURCE_URL);
                String action = (count != 0)
                        ? "Mark the DataSource for tasks with @ApalisDataSource, or one of them with @Primary."
                        : (url != null) ? DATASOURCE_URL + " is set, but nothing creates a DataSource from it: add "
                                + "spring-boot-starter-jdbc (and the PostgreSQL driver) to the dependencies, or set "
                                + "apalis.backend=memory."
                                : "Configure one (" + DATASOURCE_URL + " with spring-boot-starter-jdbc and the "
                                        + "PostgreSQL driver), or set apalis.backend=memory.";
                throw new ApalisConfigurationException("The JDBC backend (apalis.backend=" + backend(properties)
                        + ") needs a DataSource, but " + found + ".", action);
            }
            try {
                return build(source, properties);
            }
            catch (DataAccessResourceFailureException | CannotCreateTransactionException ex) {
                throw new ApalisConfigurationException("The JDBC backend could not reach its database at start-up: "
                        + cause(ex),
                        "Start the database, or correct its address and credentials (" + DATASOURCE_URL
                                + ", spring.datasource.username, spring.datasource.password). The backend checks "
                                + "its tables when it is created, so the application cannot start without the "
                                + "database; set apalis.backend=memory to run without one.",
                        ex);
            }
        }

        /** The driver's message (it names the host and port), else the most specific one. */
        private static String cause(Exception ex) {
            for (Throwable t = ex; t != null; t = t.getCause()) {
                if (t instanceof SQLException) {
                    return t.getMessage();
                }
            }
            return NestedExceptionUtils.getMostSpecificCause(ex).getMessage();
        }

        private static PostgresStorage build(DataSource source, ApalisProperties properties) {
            ApalisProperties.Jdbc jdbc = properties.getJdbc();
            return PostgresStorage.builder(source)
                .schema(jdbc.getSchema())
                .initializeSchema(jdbc.getInitializeSchema() == ApalisProperties.SchemaInitialization.ALWAYS)
                .notifications(jdbc.isNotifications())
                .orphanThreshold(properties.getHeartbeat().getOrphanThreshold())
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
        MemoryStorage apalisBackend(ApalisProperties properties, Environment environment) {
            if (properties.getBackend() == ApalisProperties.BackendType.MEMORY) {
                logger.info("Apalis stores tasks in memory (apalis.backend=memory): pending tasks are lost when the "
                        + "application stops.");
            }
            else {
                logger.warn("Apalis stores tasks in memory (apalis.backend=auto found no PostgreSQL DataSource): "
                        + "tasks are lost on restart. " + whyNoDataSource(environment)
                        + " Set apalis.backend=memory to keep tasks in memory on purpose.");
            }
            return new MemoryStorage(Clock.systemUTC(), properties.getHeartbeat().getOrphanThreshold(),
                    MemoryStorage.DEFAULT_FINISHED_TASKS_KEPT);
        }

        private static String whyNoDataSource(Environment environment) {
            if (environment.getProperty(DATASOURCE_URL) != null) {
                if (!ClassUtils.isPresent(SPRING_JDBC_CLASS, Memory.class.getClassLoader())) {
                    return DATASOURCE_URL + " is set, but spring-jdbc is not on the class path: add "
                            + "spring-boot-starter-jdbc and the PostgreSQL driver.";
                }
                if (!ClassUtils.isPresent(POSTGRES_DRIVER, Memory.class.getClassLoader())) {
                    return DATASOURCE_URL + " is set, but the PostgreSQL driver (org.postgresql:postgresql) is not "
                            + "on the class path.";
                }
                return DATASOURCE_URL + " is set, but there is no DataSource bean: add spring-boot-starter-jdbc.";
            }
            return "For durable tasks add spring-boot-starter-jdbc, the PostgreSQL driver and " + DATASOURCE_URL + ".";
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
