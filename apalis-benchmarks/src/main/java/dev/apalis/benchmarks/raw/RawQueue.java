package dev.apalis.benchmarks.raw;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

import dev.apalis.benchmarks.BenchmarkDatabase;

/**
 * A minimal queue table and the two statements a worker needs: claim due rows with
 * {@code FOR UPDATE SKIP LOCKED}, and mark claimed rows done. It keeps what a real queue needs for a fair
 * ceiling (a queue name, a run time, a status, an owner, a payload, and an index that matches the claim's
 * order) and nothing else.
 */
final class RawQueue {

    static final String SCHEMA = "bench_raw";

    static final String QUEUE = "bench";

    private static final String CREATE_TABLE = """
            CREATE TABLE bench_raw.queue (
                id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                queue    text        NOT NULL,
                payload  text        NOT NULL,
                status   smallint    NOT NULL DEFAULT 0,
                run_at   timestamptz NOT NULL DEFAULT now(),
                owner    text
            )""";

    private static final String CREATE_INDEX = """
            CREATE INDEX queue_due ON bench_raw.queue (queue, run_at, id) WHERE status = 0""";

    private static final String FILL = """
            INSERT INTO bench_raw.queue (queue, payload)
            SELECT 'bench', '{"n":' || n || '}' FROM generate_series(0, ? - 1) AS n""";

    private static final String CLAIM = """
            WITH due AS (
                SELECT id FROM bench_raw.queue
                WHERE queue = ? AND status = 0 AND run_at <= now()
                ORDER BY run_at, id
                LIMIT ?
                FOR UPDATE SKIP LOCKED
            )
            UPDATE bench_raw.queue q SET status = 1, owner = ?
            FROM due WHERE q.id = due.id
            RETURNING q.id, q.payload""";

    private static final String COMPLETE = """
            UPDATE bench_raw.queue SET status = 2
            WHERE id = ANY (?) AND status = 1 AND owner = ?""";

    private RawQueue() {
    }

    static void create(BenchmarkDatabase database) {
        database.recreateSchema(SCHEMA);
        database.execute(CREATE_TABLE, CREATE_INDEX);
    }

    static void fill(Connection connection, int tasks) throws SQLException {
        try (PreparedStatement fill = connection.prepareStatement(FILL)) {
            fill.setInt(1, tasks);
            fill.executeUpdate();
        }
    }

    static long countDone(BenchmarkDatabase database) {
        return database.count("SELECT count(*) FROM bench_raw.queue WHERE status = 2");
    }

    /**
     * One claiming thread's statements, prepared once on its connection (autocommit: each statement is
     * its own transaction, as in a worker that claims, runs, then acknowledges).
     */
    static final class Claimer implements AutoCloseable {

        private final Connection connection;

        private final String owner;

        private final PreparedStatement claim;

        private final PreparedStatement complete;

        Claimer(Connection connection, String owner) throws SQLException {
            this.connection = connection;
            this.owner = owner;
            this.claim = connection.prepareStatement(CLAIM);
            this.complete = connection.prepareStatement(COMPLETE);
        }

        /** Claims up to {@code max} rows and returns their ids (their payloads are read, then ignored). */
        List<Long> claim(int max) throws SQLException {
            claim.setString(1, QUEUE);
            claim.setInt(2, max);
            claim.setString(3, owner);
            List<Long> ids = new ArrayList<>(max);
            try (ResultSet rows = claim.executeQuery()) {
                while (rows.next()) {
                    ids.add(rows.getLong(1));
                    rows.getString(2);
                }
            }
            return ids;
        }

        void complete(List<Long> ids) throws SQLException {
            Array array = connection.createArrayOf("bigint", ids.toArray());
            complete.setArray(1, array);
            complete.setString(2, owner);
            complete.executeUpdate();
            array.free();
        }

        @Override
        public void close() throws SQLException {
            claim.close();
            complete.close();
            connection.close();
        }
    }
}
