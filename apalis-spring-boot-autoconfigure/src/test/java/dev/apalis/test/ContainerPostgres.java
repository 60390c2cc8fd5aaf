package dev.apalis.test;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * A {@code postgres:17} container, used when Docker answers.
 */
final class ContainerPostgres {

    private ContainerPostgres() {
    }

    static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        }
        catch (Throwable ex) {
            return false;
        }
    }

    static TestPostgres.Server start() {
        PostgreSQLContainer container = new PostgreSQLContainer("postgres:17");
        container.start();
        Runtime.getRuntime().addShutdownHook(new Thread(container::stop, "apalis-test-postgres-stop"));
        return new TestPostgres.Server("Testcontainers " + container.getDockerImageName(), container.getJdbcUrl(),
                container.getUsername(), container.getPassword(), null);
    }
}
