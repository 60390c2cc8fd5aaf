package dev.apalis.backend.postgres;

import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The validated names a storage puts into SQL text: its schema, its tables, its NOTIFY channel and
 * the keys of its advisory locks. The schema name is the only user input that ever becomes part of
 * SQL text, and only after it matched {@link #IDENTIFIER}; every value is a bind parameter.
 */
final class SchemaNames {

    /** A plain SQL identifier: a letter or underscore, then letters, digits or underscores; 63 at most. */
    static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,62}", Pattern.CASE_INSENSITIVE);

    private static final int MAX_CHANNEL_LENGTH = 63;

    private final String schema;

    private final String quoted;

    private final String channel;

    private SchemaNames(String schema) {
        this.schema = schema;
        this.quoted = '"' + schema + '"';
        this.channel = channelFor(schema);
    }

    /**
     * Validates a schema name.
     * @param schema the name as configured
     * @return the names, the schema in lower case (as PostgreSQL folds unquoted identifiers)
     * @throws IllegalArgumentException if the name is not a plain identifier
     */
    static SchemaNames of(String schema) {
        Objects.requireNonNull(schema, "schema must not be null: use PostgresStorage.DEFAULT_SCHEMA (apalis)");
        if (!IDENTIFIER.matcher(schema).matches()) {
            throw new IllegalArgumentException("Invalid schema name '" + schema + "': use a plain SQL identifier of 1 "
                    + "to 63 characters (a letter or underscore, then letters, digits or underscores), such as apalis");
        }
        String lower = schema.toLowerCase(Locale.ROOT);
        if (lower.startsWith("pg_")) {
            throw new IllegalArgumentException("Invalid schema name '" + schema + "': names starting with pg_ are "
                    + "reserved by PostgreSQL; choose another, such as apalis");
        }
        return new SchemaNames(lower);
    }

    /** The schema name, lower case. */
    String schema() {
        return schema;
    }

    /** The schema as a quoted identifier, to put in DDL. */
    String quotedSchema() {
        return quoted;
    }

    /** The qualified tasks table. */
    String tasks() {
        return quoted + ".tasks";
    }

    /** The qualified workers table. */
    String workers() {
        return quoted + ".workers";
    }

    /** The qualified table of queues paused across the cluster. */
    String queues() {
        return quoted + ".queues";
    }

    /** The qualified schema version table. */
    String schemaVersion() {
        return quoted + ".schema_version";
    }

    /** The NOTIFY channel (at most 63 characters, so that LISTEN and pg_notify agree). */
    String channel() {
        return channel;
    }

    /** The channel as a quoted identifier, for LISTEN, which takes no bind parameter. */
    String quotedChannel() {
        return '"' + channel + '"';
    }

    /**
     * The text that keys an advisory lock of this schema (hashed by {@code hashtextextended} in SQL).
     * @param purpose what the lock guards: schema, rescue or retention
     * @return the key text
     */
    String lockKey(String purpose) {
        return "apalis:" + purpose + ":" + schema;
    }

    /**
     * Puts the schema into SQL text that names {@code {tasks}}, {@code {workers}}, {@code {queues}} and
     * {@code {schema_version}}.
     * @param sql SQL text with placeholders
     * @return the SQL text for this schema
     */
    String expand(String sql) {
        return sql.replace("{tasks}", tasks())
            .replace("{workers}", workers())
            .replace("{queues}", queues())
            .replace("{schema_version}", schemaVersion());
    }

    private static String channelFor(String schema) {
        String plain = "apalis_" + schema;
        if (plain.length() <= MAX_CHANNEL_LENGTH) {
            return plain;
        }
        String hash = String.format("%08x", schema.hashCode());
        return plain.substring(0, MAX_CHANNEL_LENGTH - hash.length() - 1) + "_" + hash;
    }

    @Override
    public String toString() {
        return schema;
    }
}
