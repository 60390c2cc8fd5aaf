package dev.apalis.backend.postgres;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.apalis.task.Task;
import dev.apalis.task.TaskId;

/**
 * Reads task rows into {@link Task}s and writes the values a row is made of: timestamps, metadata as
 * JSON, and the claim order as PostgreSQL sorts it.
 */
final class TaskRows {

    private static final Log logger = LogFactory.getLog(TaskRows.class);

    /** The columns {@link #task} reads, in its order. */
    static final String COLUMNS = "id, queue, payload::text, status, attempts, max_attempts, priority, run_at, "
            + "last_error, unique_key, metadata::text, created_at, finished_at";

    /** PostgreSQL's order of uuid values: unsigned, byte by byte. */
    private static final Comparator<TaskId> ID_ORDER = (a, b) -> {
        UUID x = a.value();
        UUID y = b.value();
        int high = Long.compareUnsigned(x.getMostSignificantBits(), y.getMostSignificantBits());
        return (high != 0) ? high : Long.compareUnsigned(x.getLeastSignificantBits(), y.getLeastSignificantBits());
    };

    /** The claim order: priority, then run time, then id, as the claim query's ORDER BY. */
    static final Comparator<Task> CLAIM_ORDER = Comparator.comparingInt(Task::priority)
        .thenComparing(Task::runAt)
        .thenComparing(Task::id, ID_ORDER);

    private static final String EMPTY_OBJECT = "{}";

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private TaskRows() {
    }

    /**
     * Reads a row selected with {@link #COLUMNS}; a scheduled row reads as pending or failed (see
     * {@link StoredStatus}).
     * @param rs the result set, on the row
     * @return the task
     * @throws SQLException if a column cannot be read
     */
    static Task task(ResultSet rs) throws SQLException {
        return new Task(new TaskId(rs.getObject(1, UUID.class)), rs.getString(2), rs.getString(3),
                StoredStatus.publicStatus(rs.getString(4), rs.getInt(5)), rs.getInt(5), rs.getInt(6), rs.getInt(7), instant(rs, 8),
                rs.getString(9), rs.getString(10), metadata(rs.getString(11)), instant(rs, 12), instant(rs, 13));
    }

    static Instant instant(ResultSet rs, int column) throws SQLException {
        OffsetDateTime value = rs.getObject(column, OffsetDateTime.class);
        return (value != null) ? value.toInstant() : null;
    }

    /**
     * Writes an instant as text PostgreSQL reads as {@code timestamptz} (ISO-8601 in UTC), cut to the
     * microseconds PostgreSQL keeps (it would round the nanoseconds; cutting keeps an instant from
     * moving later).
     * @param instant the instant, or {@code null}
     * @return its text, or {@code null}
     */
    static String timestamp(Instant instant) {
        return (instant != null) ? instant.truncatedTo(ChronoUnit.MICROS).toString() : null;
    }

    /**
     * Writes metadata as a JSON object.
     * @param metadata the metadata
     * @return its JSON text
     */
    static String metadataJson(Map<String, String> metadata) {
        if (metadata.isEmpty()) {
            return EMPTY_OBJECT;
        }
        return JSON.writeValueAsString(metadata);
    }

    /**
     * Reads metadata from its JSON column. Values that are not strings (edited by hand, say) are kept
     * as their JSON text; anything that is not an object reads as no metadata.
     * @param json the column's text
     * @return the metadata
     */
    static Map<String, String> metadata(String json) {
        if (json == null || EMPTY_OBJECT.equals(json)) {
            return Map.of();
        }
        try {
            JsonNode node = JSON.readTree(json);
            if (!node.isObject()) {
                return Map.of();
            }
            Map<String, String> metadata = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> entry : node.properties()) {
                JsonNode value = entry.getValue();
                if (!value.isNull()) {
                    metadata.put(entry.getKey(), value.isString() ? value.asString() : value.toString());
                }
            }
            return metadata;
        }
        catch (JacksonException ex) {
            logger.debug("Ignoring task metadata that is not a JSON object: " + json, ex);
            return Map.of();
        }
    }
}
