package dev.apalis.test;

import java.io.IOException;
import java.io.UncheckedIOException;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * An embedded PostgreSQL 17 (zonky), started in-process, used when there is neither a configured
 * database nor Docker. Its {@link TestPostgres.Control} stops the server and starts it again on the
 * same data directory and port.
 */
final class EmbeddedPostgresServer implements TestPostgres.Control {

    private EmbeddedPostgres postgres;

    private final int port;

    private final java.io.File dataDirectory;

    private EmbeddedPostgresServer(EmbeddedPostgres postgres, java.io.File dataDirectory) {
        this.postgres = postgres;
        this.port = postgres.getPort();
        this.dataDirectory = dataDirectory;
    }

    static TestPostgres.Server launch() {
        try {
            java.io.File dataDirectory = java.nio.file.Files.createTempDirectory("apalis-test-pg").toFile();
            EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                .setDataDirectory(dataDirectory)
                .setCleanDataDirectory(false)
                .setServerConfig("max_connections", "300")
                .setServerConfig("fsync", "off")
                .setServerConfig("synchronous_commit", "off")
                .start();
            EmbeddedPostgresServer control = new EmbeddedPostgresServer(postgres, dataDirectory);
            Runtime.getRuntime().addShutdownHook(new Thread(control::stop, "apalis-test-postgres-stop"));
            String url = postgres.getJdbcUrl("postgres", "postgres");
            return new TestPostgres.Server("embedded PostgreSQL on port " + control.port, url, "postgres", "", control);
        }
        catch (IOException ex) {
            throw new UncheckedIOException("Could not start an embedded PostgreSQL", ex);
        }
    }

    @Override
    public synchronized void stop() {
        if (postgres != null) {
            try {
                postgres.close();
            }
            catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
            postgres = null;
        }
    }

    @Override
    public synchronized void start() {
        if (postgres == null) {
            try {
                postgres = EmbeddedPostgres.builder()
                    .setDataDirectory(dataDirectory)
                    .setCleanDataDirectory(false)
                    .setPort(port)
                    .setServerConfig("max_connections", "300")
                    .setServerConfig("fsync", "off")
                    .setServerConfig("synchronous_commit", "off")
                    .start();
            }
            catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
        }
    }
}
