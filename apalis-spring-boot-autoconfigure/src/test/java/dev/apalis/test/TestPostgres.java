package dev.apalis.test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import org.springframework.test.context.DynamicPropertyRegistry;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

/**
 * A real PostgreSQL server for tests, started once per JVM, and fresh databases on it.
 * <p>
 * The server is, in order: the one at {@code APALIS_TEST_JDBC_URL} (with
 * {@code APALIS_TEST_JDBC_USER} and {@code APALIS_TEST_JDBC_PASSWORD}) if set; a Testcontainers
 * {@code postgres:17} container when Docker answers; otherwise an embedded PostgreSQL 17. So tests
 * pass on a fresh machine with no Docker and no database.
 */
public final class TestPostgres {

    private static final AtomicInteger DATABASES = new AtomicInteger();

    private static volatile Server server;

    private TestPostgres() {
    }

    /**
     * The server, started on first use.
     * @return the server
     */
    public static Server server() {
        Server current = server;
        if (current == null) {
            synchronized (TestPostgres.class) {
                current = server;
                if (current == null) {
                    current = startServer();
                    server = current;
                }
            }
        }
        return current;
    }

    /**
     * Creates a new, empty database on the server.
     * @param hint a readable part of the name (a test class name, say)
     * @return the database
     */
    public static Database createDatabase(String hint) {
        Server srv = server();
        String name = ("apalis_" + hint.replaceAll("[^A-Za-z0-9]", "_") + "_" + ProcessHandle.current().pid() + "_"
                + DATABASES.incrementAndGet()).toLowerCase(Locale.ROOT);
        if (name.length() > 60) {
            name = name.substring(name.length() - 60);
        }
        try (Connection connection = DriverManager.getConnection(srv.adminUrl(), srv.username(), srv.password());
                Statement statement = connection.createStatement()) {
            statement.execute("CREATE DATABASE " + name);
        }
        catch (SQLException ex) {
            throw new IllegalStateException("Could not create test database " + name + " on " + srv.adminUrl(), ex);
        }
        return new Database(srv.urlFor(name), srv.username(), srv.password());
    }

    private static Server startServer() {
        String url = System.getenv("APALIS_TEST_JDBC_URL");
        if (url != null && !url.isBlank()) {
            String user = System.getenv().getOrDefault("APALIS_TEST_JDBC_USER", "postgres");
            String password = System.getenv().getOrDefault("APALIS_TEST_JDBC_PASSWORD", "");
            return new Server("external " + url, url, user, password, null);
        }
        if (ContainerPostgres.dockerAvailable()) {
            return ContainerPostgres.start();
        }
        return EmbeddedPostgresServer.launch();
    }

    /**
     * A running server.
     * @param description where it runs, for messages
     * @param adminUrl a JDBC URL of a database to connect to for creating others
     * @param username its user
     * @param password its password
     * @param control how to stop and start it again, or {@code null} when the tests do not own it
     */
    public record Server(String description, String adminUrl, String username, String password, Control control) {

        String urlFor(String database) {
            int slash = adminUrl.indexOf('/', "jdbc:postgresql://".length());
            int query = adminUrl.indexOf('?', slash);
            String suffix = (query >= 0) ? adminUrl.substring(query) : "";
            return adminUrl.substring(0, slash + 1) + database + suffix;
        }
    }

    /** Stops and starts a server the tests own (to test database restarts). */
    public interface Control {

        void stop();

        void start();
    }

    /**
     * One database on the server.
     * @param jdbcUrl its JDBC URL
     * @param username its user
     * @param password its password
     */
    public record Database(String jdbcUrl, String username, String password) {

        /**
         * A connection pool on this database; close it when done.
         * @param maxConnections the pool size
         * @return the pool
         */
        public HikariDataSource newDataSource(int maxConnections) {
            HikariConfig config = new HikariConfig();
            config.setJdbcUrl(jdbcUrl);
            config.setUsername(username);
            config.setPassword(password);
            config.setMaximumPoolSize(maxConnections);
            config.setConnectionTimeout(5_000);
            return new HikariDataSource(config);
        }

        public DataSource newDataSource() {
            return newDataSource(10);
        }

        /**
         * Points a Spring test context's {@code spring.datasource.*} at this database.
         * @param registry the registry of a {@code @DynamicPropertySource} method
         */
        public void register(DynamicPropertyRegistry registry) {
            registry.add("spring.datasource.url", this::jdbcUrl);
            registry.add("spring.datasource.username", this::username);
            registry.add("spring.datasource.password", this::password);
        }
    }
}
