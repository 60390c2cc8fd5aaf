package dev.apalis.benchmarks;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * What the PostgreSQL server did around a measurement, read from its statistics views: WAL records,
 * bytes, writes and flushes ({@code pg_stat_wal}, server-wide, so other databases' work counts too) and
 * the commits of the measured database ({@code pg_stat_database}), plus the CPU time of the server's WAL
 * writer, background writer and checkpointer (read from {@code /proc}, so only for a server on this
 * machine). The flush time is there only when {@code track_wal_io_timing} is on for the flushing sessions
 * (for example {@code ALTER DATABASE .. SET track_wal_io_timing = on} on a database of the diagnosis's own).
 * <p>
 * Backends report their statistics when they go idle at most once a second and otherwise every ten
 * seconds or when they exit: take the closing snapshot after the run's pool is closed.
 * @param commits transactions committed in the database
 * @param walRecords WAL records
 * @param walBytes WAL bytes
 * @param walWrites WAL writes
 * @param walFlushes WAL flushes (fsync or fdatasync calls)
 * @param walFlushMillis time spent in them, 0 unless {@code track_wal_io_timing} is on
 * @param auxiliaryCpuNanos CPU time of the WAL writer, background writer and checkpointer, or -1
 */
public record ServerActivity(long commits, long walRecords, long walBytes, long walWrites, long walFlushes,
        double walFlushMillis, long auxiliaryCpuNanos) {

    private static final String WAL = """
            SELECT (SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()),
                   wal_records, wal_bytes, wal_write, wal_sync, wal_sync_time
            FROM pg_stat_wal""";

    private static final String AUXILIARY = """
            SELECT pid FROM pg_stat_activity
            WHERE backend_type IN ('walwriter', 'background writer', 'checkpointer')""";

    /**
     * Reads the counters now.
     * @param database the database
     * @return the counters
     */
    public static ServerActivity now(BenchmarkDatabase database) {
        try (Connection connection = DriverManager.getConnection(database.url(), database.user(),
                database.password()); Statement statement = connection.createStatement()) {
            List<Long> auxiliary = new ArrayList<>();
            try (ResultSet rows = statement.executeQuery(AUXILIARY)) {
                while (rows.next()) {
                    auxiliary.add(rows.getLong(1));
                }
            }
            try (ResultSet rows = statement.executeQuery(WAL)) {
                rows.next();
                return new ServerActivity(rows.getLong(1), rows.getLong(2), rows.getLong(3), rows.getLong(4),
                        rows.getLong(5), rows.getDouble(6), CpuClock.processesNanos(auxiliary));
            }
        }
        catch (SQLException ex) {
            throw new IllegalStateException("Could not read the server's statistics", ex);
        }
    }

    /**
     * What happened between an earlier snapshot and this one.
     * @param earlier the earlier snapshot
     * @return the differences
     */
    public ServerActivity since(ServerActivity earlier) {
        return new ServerActivity(commits - earlier.commits, walRecords - earlier.walRecords,
                walBytes - earlier.walBytes, walWrites - earlier.walWrites, walFlushes - earlier.walFlushes,
                walFlushMillis - earlier.walFlushMillis,
                (auxiliaryCpuNanos < 0 || earlier.auxiliaryCpuNanos < 0) ? -1
                        : auxiliaryCpuNanos - earlier.auxiliaryCpuNanos);
    }
}
