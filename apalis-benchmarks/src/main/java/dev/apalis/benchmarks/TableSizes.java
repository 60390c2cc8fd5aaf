package dev.apalis.benchmarks;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

import javax.sql.DataSource;

/**
 * The on-disk size of a table, its indexes one by one, and its live and dead row estimates from the
 * statistics collector: what a soak watches for growth.
 *
 * @param totalBytes {@code pg_total_relation_size}: heap, TOAST and every index
 * @param tableBytes {@code pg_relation_size} of the heap
 * @param indexBytes {@code pg_relation_size} of each index, by name
 * @param liveRows {@code n_live_tup}
 * @param deadRows {@code n_dead_tup}
 */
public record TableSizes(long totalBytes, long tableBytes, Map<String, Long> indexBytes, long liveRows, long deadRows) {

    private static final String TABLE = """
            SELECT pg_total_relation_size(c.oid), pg_relation_size(c.oid),
                   coalesce(s.n_live_tup, 0), coalesce(s.n_dead_tup, 0)
            FROM pg_class c LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
            WHERE c.oid = to_regclass(?)""";

    private static final String INDEXES = """
            SELECT i.relname, pg_relation_size(i.oid)
            FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
            WHERE x.indrelid = to_regclass(?)
            ORDER BY i.relname""";

    /**
     * Measures a table.
     * @param dataSource where the table is
     * @param table the table's qualified name, such as {@code bench_apalis.tasks}
     * @return its sizes
     * @throws IllegalStateException if the table does not exist or the query fails
     */
    public static TableSizes of(DataSource dataSource, String table) {
        try (Connection connection = dataSource.getConnection();
                PreparedStatement tableQuery = connection.prepareStatement(TABLE);
                PreparedStatement indexQuery = connection.prepareStatement(INDEXES)) {
            tableQuery.setString(1, table);
            long total;
            long heap;
            long live;
            long dead;
            try (ResultSet rows = tableQuery.executeQuery()) {
                if (!rows.next()) {
                    throw new IllegalStateException("No table " + table);
                }
                total = rows.getLong(1);
                heap = rows.getLong(2);
                live = rows.getLong(3);
                dead = rows.getLong(4);
            }
            Map<String, Long> indexes = new LinkedHashMap<>();
            indexQuery.setString(1, table);
            try (ResultSet rows = indexQuery.executeQuery()) {
                while (rows.next()) {
                    indexes.put(rows.getString(1), rows.getLong(2));
                }
            }
            return new TableSizes(total, heap, Collections.unmodifiableMap(indexes), live, dead);
        }
        catch (SQLException ex) {
            throw new IllegalStateException("Could not measure " + table, ex);
        }
    }

    /** The indexes together. */
    public long allIndexBytes() {
        return indexBytes.values().stream().mapToLong(Long::longValue).sum();
    }
}
