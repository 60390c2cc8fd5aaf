package dev.apalis.backend.postgres;

import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Set;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.dao.DataAccessException;

import dev.apalis.task.NewTask;
import dev.apalis.task.PayloadException;

/**
 * What a push may hold, and clear messages for what it may not: names and keys that fit the indexes
 * and text columns, and payloads PostgreSQL accepts as {@code jsonb}. Payloads are not parsed on the
 * way in (PostgreSQL does that anyway); only when PostgreSQL refuses one are they read here, to name
 * the task that was refused and say why.
 */
final class PushInput {

    /** Longest queue name, so that it fits the claim index and a NOTIFY payload whatever its characters. */
    static final int MAX_QUEUE_LENGTH = 255;

    /** Longest unique key, so that queue and key fit the unique index whatever their characters. */
    static final int MAX_UNIQUE_KEY_LENGTH = 500;

    /**
     * SQL states of text PostgreSQL cannot take: invalid JSON (22P02), a {@code \u0000} escape in jsonb
     * (22P05), an invalid escape (22025), a NUL byte in text (22021).
     */
    private static final Set<String> REFUSED_TEXT = Set.of("22P02", "22P05", "22025", "22021");

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private PushInput() {
    }

    /**
     * Checks what PostgreSQL or the indexes would refuse, before anything is sent.
     * @param task the task
     * @throws IllegalArgumentException with what to change
     */
    static void validate(NewTask task) {
        String queue = task.queue();
        if (queue.length() > MAX_QUEUE_LENGTH) {
            throw new IllegalArgumentException("Queue name '" + queue.substring(0, 40) + "...' is " + queue.length()
                    + " characters long; PostgresStorage takes queue names of at most " + MAX_QUEUE_LENGTH
                    + " characters");
        }
        if (queue.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("Queue name '" + queue.replace('\0', '?') + "' contains a NUL character,"
                    + " which PostgreSQL cannot store in text; remove it");
        }
        String key = task.options().uniqueKey();
        if (key != null && key.length() > MAX_UNIQUE_KEY_LENGTH) {
            throw new IllegalArgumentException("Unique key '" + key.substring(0, 40) + "...' of a task for queue '"
                    + queue + "' is " + key.length() + " characters long; PostgresStorage takes unique keys of at most "
                    + MAX_UNIQUE_KEY_LENGTH + " characters (hash longer keys, e.g. with SHA-256)");
        }
        if (key != null && key.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("The unique key of a task for queue '" + queue + "' contains a NUL "
                    + "character, which PostgreSQL cannot store in text; remove it");
        }
        for (Map.Entry<String, String> entry : task.options().metadata().entrySet()) {
            if (entry.getKey().indexOf('\0') >= 0 || (entry.getValue() != null && entry.getValue().indexOf('\0') >= 0)) {
                throw new IllegalArgumentException("The metadata '" + entry.getKey().replace('\0', '?') + "' of a task for "
                        + "queue '" + queue + "' contains a NUL character, which PostgreSQL cannot store; remove it");
            }
        }
    }

    /**
     * Turns PostgreSQL's refusal of a payload (invalid JSON, or a {@code \u0000} escape, which jsonb
     * cannot hold) into a {@link PayloadException} that names the task; other errors pass as they are.
     * @param ex what the insert threw
     * @param tasks the pushed tasks
     * @param indexes the indexes of the tasks the failed insert held
     * @return the exception to throw
     */
    static RuntimeException refusal(DataAccessException ex, List<NewTask> tasks, List<Integer> indexes) {
        String state = sqlState(ex);
        if (state == null || !REFUSED_TEXT.contains(state)) {
            return ex;
        }
        String reason = ex.getMostSpecificCause().getMessage();
        for (int k = 0; k < indexes.size(); k++) {
            int i = indexes.get(k);
            String problem = payloadProblem(tasks.get(i).payload());
            if (problem != null) {
                return new PayloadException("Cannot push task " + (i + 1) + " of " + tasks.size() + " to queue '"
                        + tasks.get(i).queue() + "': its payload " + problem + " (PostgreSQL said: " + reason
                        + "). Pass the payload as valid JSON text, for example encoded with a PayloadCodec such as "
                        + "JsonPayloadCodec; nothing of this push was stored.", ex);
            }
        }
        return new PayloadException("Cannot push " + (tasks.size() == 1 ? "the task" : "these " + tasks.size() + " tasks")
                + ": PostgreSQL refused a payload as jsonb (" + reason + "). Pass payloads as valid JSON text "
                + "without \\u0000 escapes; nothing of this push was stored.", ex);
    }

    /** Why PostgreSQL would refuse this payload as jsonb, or {@code null} if it looks fine. */
    static String payloadProblem(String payload) {
        if (payload.isBlank()) {
            return "is empty, which is not JSON";
        }
        if (payload.indexOf('\0') >= 0 || payload.contains("\\u0000")) {
            return "contains a NUL character (\\u0000), which PostgreSQL's jsonb cannot hold";
        }
        try {
            JSON.readTree(payload);
            return null;
        }
        catch (JacksonException ex) {
            return "is not valid JSON: " + ex.getOriginalMessage();
        }
    }

    private static String sqlState(Throwable ex) {
        for (Throwable cause = ex; cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLException sql && sql.getSQLState() != null) {
                return sql.getSQLState();
            }
        }
        return null;
    }
}
