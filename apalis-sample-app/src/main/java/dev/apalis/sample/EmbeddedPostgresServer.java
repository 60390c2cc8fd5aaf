package dev.apalis.sample;

import java.io.IOException;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An embedded PostgreSQL 17 (zonky) on a free port, with a temporary data directory that is deleted
 * when it stops. As a bean it is stopped by {@link #close()} when the context closes.
 */
final class EmbeddedPostgresServer implements AutoCloseable {

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
