package dev.apalis.backend.postgres;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.core.io.ByteArrayResource;
import org.springframework.core.io.support.EncodedResource;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.datasource.init.ScriptUtils;

/**
 * Creates or upgrades a storage's schema to {@link #LATEST_VERSION}. Each version is a SQL file next
 * to this class ({@code schema-v1.sql}, ...) made of {@code CREATE ... IF NOT EXISTS} statements that
 * end by recording their version in {@code schema_version}; nothing is ever dropped. The files run in
 * one transaction under an advisory lock, so nodes that start at once apply them one after another
 * (the later ones find the schema current and do nothing).
 */
final class SchemaInitializer {

    private static final Log logger = LogFactory.getLog(SchemaInitializer.class);

    /** The schema version this code needs. */
    static final int LATEST_VERSION = 4;

    /** Where the DDL files are, on the class path. */
    static final String RESOURCE_DIRECTORY = "dev/apalis/backend/postgres/";

    /** The placeholder for the schema name in the DDL files (the syntax Flyway and Liquibase replace). */
    static final String SCHEMA_PLACEHOLDER = "${schema}";

    private static final List<Migration> MIGRATIONS = List.of(new Migration(1, "schema-v1.sql"),
            new Migration(2, "schema-v2.sql"),
            new Migration(3, "schema-v3.sql"),
            new Migration(4, "schema-v4.sql"));

    private static final String TABLE_EXISTS = "SELECT to_regclass(?) IS NOT NULL";

    private static final String CURRENT_VERSION = "SELECT coalesce(max(version), 0) FROM {schema_version}";

    private final StorageJdbc db;

    SchemaInitializer(StorageJdbc db) {
        this.db = db;
    }

    /**
     * Brings the schema to the latest version.
     * @return the version found before (0 for none)
     */
    int initialize() {
        int found = currentVersion();
        if (found >= LATEST_VERSION) {
            return found;
        }
        Integer before = db.ownTransaction().execute(status -> {
            db.transactionLock("schema");
            int current = currentVersion();
            for (Migration migration : MIGRATIONS) {
                if (migration.version() > current) {
                    apply(migration);
                }
            }
            return current;
        });
        int previous = (before != null) ? before : 0;
        if (previous < LATEST_VERSION) {
            logger.info("Apalis schema '" + db.names() + "' upgraded from version " + previous + " to " + LATEST_VERSION);
        }
        return previous;
    }

    /**
     * Warns when the schema is missing or older than this code needs (for applications that manage it
     * themselves); never fails, so that a storage can be built while the database is down.
     */
    void check() {
        try {
            int found = currentVersion();
            if (found < LATEST_VERSION) {
                logger.warn("Apalis schema '" + db.names() + "' is at version " + found + ", this version needs "
                        + LATEST_VERSION + ". Apply " + RESOURCE_DIRECTORY + "schema-v" + LATEST_VERSION
                        + ".sql (see docs/postgres.md) or build the storage with initializeSchema(true).");
            }
        }
        catch (RuntimeException ex) {
            logger.warn("Could not check the version of Apalis schema '" + db.names() + "'", ex);
        }
    }

    /** The schema's version, 0 when it has no version table. */
    int currentVersion() {
        Boolean exists = db.jdbc().queryForObject(TABLE_EXISTS, Boolean.class, db.names().schemaVersion());
        if (!Boolean.TRUE.equals(exists)) {
            return 0;
        }
        Integer version = db.jdbc().queryForObject(db.names().expand(CURRENT_VERSION), Integer.class);
        return (version != null) ? version : 0;
    }

    private void apply(Migration migration) {
        String script = script(migration.resource(), db.names().quotedSchema());
        EncodedResource resource = new EncodedResource(
                new ByteArrayResource(script.getBytes(StandardCharsets.UTF_8), migration.resource()),
                StandardCharsets.UTF_8);
        db.jdbc().execute((ConnectionCallback<Void>) connection -> {
            ScriptUtils.executeSqlScript(connection, resource);
            return null;
        });
    }

    /**
     * Reads a DDL file with the schema name put in.
     * @param resource the file name in {@link #RESOURCE_DIRECTORY}
     * @param schema the schema as it should appear in SQL
     * @return the SQL script
     */
    static String script(String resource, String schema) {
        String path = RESOURCE_DIRECTORY + resource;
        try (InputStream in = SchemaInitializer.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("The Apalis schema file " + path + " is missing from the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8).replace(SCHEMA_PLACEHOLDER, schema);
        }
        catch (IOException ex) {
            throw new UncheckedIOException("Could not read the Apalis schema file " + path, ex);
        }
    }

    private record Migration(int version, String resource) {
    }
}
