package dev.apalis.backend.postgres;

import java.sql.Array;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Collection;
import java.util.UUID;

import dev.apalis.task.TaskId;

/**
 * Makes JDBC arrays for bind parameters, so that a batch travels as a few array parameters of one
 * statement instead of one statement per row.
 */
final class SqlArrays {

    private SqlArrays() {
    }

    static Array uuids(Connection connection, UUID[] values) throws SQLException {
        return connection.createArrayOf("uuid", values);
    }

    static Array ids(Connection connection, Collection<TaskId> ids) throws SQLException {
        UUID[] values = new UUID[ids.size()];
        int i = 0;
        for (TaskId id : ids) {
            values[i++] = id.value();
        }
        return uuids(connection, values);
    }

    static Array texts(Connection connection, String[] values) throws SQLException {
        return connection.createArrayOf("text", values);
    }

    static Array ints(Connection connection, Integer[] values) throws SQLException {
        return connection.createArrayOf("int4", values);
    }

    static Array longs(Connection connection, Long[] values) throws SQLException {
        return connection.createArrayOf("int8", values);
    }
}
