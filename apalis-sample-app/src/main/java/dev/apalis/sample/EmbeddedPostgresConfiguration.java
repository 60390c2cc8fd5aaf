package dev.apalis.sample;

import java.io.IOException;

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
