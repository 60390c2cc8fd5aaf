package dev.apalis.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * The one PostgreSQL every system runs against: an embedded PostgreSQL 17 started for the run, or the
 * server at a JDBC URL. Hands out connection pools (one per system, same size for all), recreates a
 * system's schema before each measurement, and describes the server's settings for the report.
 * <p>
 * The embedded server runs with {@code synchronous_commit} on and, by default, {@code fsync} off as the
 * embedded library sets it: a commit waits for its WAL write but not for a disk flush. That keeps a full
 * run within a quarter of an hour on two cores; {@code fsync} on (PostgreSQL's default) makes every
 * commit wait for the disk, which slows the systems that commit often far more than the others.
 */
public final class BenchmarkDatabase implements AutoCloseable {

    private static final Pattern IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]*");

    private static final List<String> REPORTED_SETTINGS = List.of("server_version", "fsync", "synchronous_commit",
            "shared_buffers", "max_connections", "wal_level", "autovacuum");

    private static final String BACKENDS = """
            SELECT pid FROM pg_stat_activity
            WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'""";

    private final EmbeddedPostgres embedded;

    private final String url;

    private final String user;

    private final String password;

    private final List<HikariDataSource> pools = new ArrayList<>();

    private BenchmarkDatabase(EmbeddedPostgres embedded, String url, String user, String password) {
        this.embedded = embedded;
        this.url = url;
        this.user = user;
        this.password = password;
    }

    /**
     * Connects to the server at {@code jdbcUrl}, or starts an embedded PostgreSQL 17 when it is {@code null}.
     * @param jdbcUrl the JDBC URL, or {@code null}
     * @param user the user for the URL
     * @param password the password for the URL
     * @param embeddedFsync whether an embedded server flushes its WAL to disk at commit
     * @return the database
     */
    public static BenchmarkDatabase open(String jdbcUrl, String user, String password, boolean embeddedFsync) {
        if (jdbcUrl != null) {
            return new BenchmarkDatabase(null, jdbcUrl, user, password);
        }
        try {
            EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                .setServerConfig("fsync", embeddedFsync ? "on" : "off")
                .setServerConfig("synchronous_commit", "on")
                .setServerConfig("max_connections", "300")
                .start();
            return new BenchmarkDatabase(postgres, postgres.getJdbcUrl("postgres", "postgres"), "postgres", "");
        }
        catch (IOException ex) {
            throw new UncheckedIOException("Could not start an embedded PostgreSQL", ex);
        }
    }

    /** Where the database is, for the report (no password). */
    public String location() {
        return (embedded != null) ? "embedded PostgreSQL on port " + embedded.getPort() : url;
    }

    /** The JDBC URL of the server, embedded or not, for other processes of the harness. */
    public String url() {
        return url;
    }

    /** The user of {@link #url()}. */
    public String user() {
        return user;
    }

    /** The password of {@link #url()}, for other processes of the harness (never printed). */
    public String password() {
        return password;
    }

    /**
     * A new connection pool; closed with this database.
     * @param name the pool's name
     * @param schema the schema unqualified names resolve to, or {@code null} for the server's default
     * @param size the number of connections, kept open
     * @return the pool
     */
    public synchronized HikariDataSource pool(String name, String schema, int size) {
        HikariConfig config = new HikariConfig();
        config.setPoolName(name);
        config.setJdbcUrl(url);
        config.setUsername(user);
        config.setPassword(password);
        config.setMaximumPoolSize(size);
        config.setMinimumIdle(size);
        if (schema != null) {
            config.setSchema(requireIdentifier(schema));
        }
        HikariDataSource pool = new HikariDataSource(config);
        pools.add(pool);
        return pool;
    }

    /** Closes a pool made by {@link #pool}. */
    public synchronized void release(HikariDataSource pool) {
        pools.remove(pool);
        pool.close();
    }

    /**
     * Drops a schema with everything in it, and creates it empty.
     * @param schema the schema
     */
    public void recreateSchema(String schema) {
        String name = requireIdentifier(schema);
        execute("DROP SCHEMA IF EXISTS " + name + " CASCADE", "CREATE SCHEMA " + name);
    }

    /**
     * Drops a schema with everything in it.
     * @param schema the schema
     */
    public void dropSchema(String schema) {
        execute("DROP SCHEMA IF EXISTS " + requireIdentifier(schema) + " CASCADE");
    }

    /**
     * Runs statements, each in its own transaction, on a connection of its own.
     * @param statements the SQL
     */
    public void execute(String... statements) {
        try (Connection connection = connect(); Statement statement = connection.createStatement()) {
            for (String sql : statements) {
                statement.execute(sql);
            }
        }
        catch (SQLException ex) {
            throw new IllegalStateException("Could not run " + String.join("; ", statements), ex);
        }
    }

    /**
     * Brings a freshly filled schema to a steady state before a timed run, the same way for every
     * system: fresh planner statistics for its tables, and a checkpoint so that none starts during the
     * run because of the fill.
     * @param schema the schema
     */
    public void settle(String schema) {
        List<String> tables = new ArrayList<>();
        try (Connection connection = connect();
                PreparedStatement query = connection.prepareStatement(
                        "SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) FROM pg_tables WHERE schemaname = ?")) {
            query.setString(1, schema);
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    tables.add(rows.getString(1));
                }
            }
            try (Statement statement = connection.createStatement()) {
                for (String table : tables) {
                    statement.execute("ANALYZE " + table);
                }
                try {
                    statement.execute("CHECKPOINT");
                }
                catch (SQLException ex) {
                    // Not a superuser: go on without the checkpoint.
                }
            }
        }
        catch (SQLException ex) {
            throw new IllegalStateException("Could not analyze schema " + schema, ex);
        }
    }

    /**
     * Counts rows with a query that returns one number.
     * @param sql the query
     * @return the number
     */
    public long count(String sql) {
        try (Connection connection = connect();
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery(sql)) {
            rows.next();
            return rows.getLong(1);
        }
        catch (SQLException ex) {
            throw new IllegalStateException("Could not run " + sql, ex);
        }
    }

    /**
     * The process id of the server's postmaster, when the server runs on this machine, for
     * {@link CpuClock#postgresNanos}; -1 when it cannot be told.
     */
    public long postmasterPid() {
        try (Connection connection = connect();
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT pg_backend_pid()")) {
            rows.next();
            return CpuClock.parentOf(rows.getLong(1));
        }
        catch (SQLException ex) {
            return -1;
        }
    }

    /**
     * The process ids of the server's backends connected to this database, other than the one asking: the
     * connections of a run's pools, whose CPU {@link CpuClock#processesNanos} reads even on a server that
     * other databases share.
     */
    public List<Long> backendPids() {
        List<Long> pids = new ArrayList<>();
        try (Connection connection = connect();
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery(BACKENDS)) {
            while (rows.next()) {
                pids.add(rows.getLong(1));
            }
            return pids;
        }
        catch (SQLException ex) {
            throw new IllegalStateException("Could not list the backends of this database", ex);
        }
    }

    /** The server's version and the settings that matter for these measurements. */
    public Map<String, String> describe() {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("location", location());
        try (Connection connection = connect(); Statement statement = connection.createStatement()) {
            for (String setting : REPORTED_SETTINGS) {
                try (ResultSet rows = statement.executeQuery("SHOW " + setting)) {
                    rows.next();
                    settings.put(setting, rows.getString(1));
                }
            }
        }
        catch (SQLException ex) {
            settings.put("error", ex.getMessage());
        }
        return settings;
    }

    private Connection connect() throws SQLException {
        return DriverManager.getConnection(url, user, password);
    }

    static String requireIdentifier(String name) {
        if (!IDENTIFIER.matcher(name).matches()) {
            throw new IllegalArgumentException("Not a plain lower-case SQL identifier: " + name);
        }
        return name;
    }

    @Override
    public synchronized void close() {
        for (HikariDataSource pool : pools) {
            pool.close();
        }
        pools.clear();
        if (embedded != null) {
            try {
                embedded.close();
            }
            catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
        }
    }
}
