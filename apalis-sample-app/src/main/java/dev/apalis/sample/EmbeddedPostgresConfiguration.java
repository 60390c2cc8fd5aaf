package dev.apalis.sample;

import java.io.IOException;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.NoneNestedConditions;
import org.springframework.boot.jdbc.autoconfigure.JdbcConnectionDetails;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;

/**
 * When no {@code spring.datasource.url} is set, starts an embedded PostgreSQL 17 (zonky) and points
 * Spring Boot's DataSource at it through a {@link JdbcConnectionDetails} bean, the way Boot's own
 * Testcontainers and Docker Compose support plug a database in. The server lives as long as the
 * application context: it stops when the context closes, after the workers have drained and the
 * DataSource has closed (the DataSource depends on it, so it is destroyed after it). Its data
 * directory is temporary, so tasks do not outlive the process; set {@code spring.datasource.url}
 * (with username and password) to use a real database instead.
 */
@Configuration(proxyBeanMethods = false)
@Conditional(EmbeddedPostgresConfiguration.NoDataSourceUrl.class)
class EmbeddedPostgresConfiguration {

    @Bean
    EmbeddedPostgresServer embeddedPostgres() throws IOException {
        return EmbeddedPostgresServer.start();
    }

    @Bean
    JdbcConnectionDetails embeddedPostgresConnectionDetails(EmbeddedPostgresServer server) {
        return new JdbcConnectionDetails() {

            @Override
            public String getUsername() {
                return "postgres";
            }

            @Override
            public String getPassword() {
                return "";
            }

            @Override
            public String getJdbcUrl() {
                return "jdbc:postgresql://localhost:" + server.port() + "/postgres";
            }
        };
    }

    /** An embedded PostgreSQL server, stopped by {@link #close()} when the context closes. */
    static final class EmbeddedPostgresServer implements AutoCloseable {

        private static final Logger logger = LoggerFactory.getLogger(EmbeddedPostgresServer.class);

        private final EmbeddedPostgres postgres;

        private EmbeddedPostgresServer(EmbeddedPostgres postgres) {
            this.postgres = postgres;
        }

        static EmbeddedPostgresServer start() throws IOException {
            logger.info("No spring.datasource.url set: starting an embedded PostgreSQL 17");
            // no JVM shutdown hook of its own: on Ctrl-C it would stop the database while tasks still run
            EmbeddedPostgres postgres = EmbeddedPostgres.builder().setRegisterShutdownHook(false).start();
            logger.info("Embedded PostgreSQL listens on port {} (user postgres, database postgres, no password); "
                    + "its data is deleted when the application stops", postgres.getPort());
            return new EmbeddedPostgresServer(postgres);
        }

        int port() {
            return this.postgres.getPort();
        }

        @Override
        public void close() throws IOException {
            this.postgres.close();
            logger.info("Embedded PostgreSQL stopped");
        }
    }

    /** Matches when {@code spring.datasource.url} is not set. */
    static final class NoDataSourceUrl extends NoneNestedConditions {

        NoDataSourceUrl() {
            super(ConfigurationPhase.PARSE_CONFIGURATION);
        }

        @ConditionalOnProperty("spring.datasource.url")
        static final class DataSourceUrl {

        }
    }
}
