package dev.apalis.backend.postgres;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.dao.DuplicateKeyException;

import dev.apalis.backend.AttemptError;
import dev.apalis.backend.TaskCursor;
import dev.apalis.backend.TaskDetails;
import dev.apalis.backend.TaskManagement;
import dev.apalis.backend.TaskPage;
import dev.apalis.task.Task;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskStatus;

/**
 * The statements behind {@link TaskManagement} for PostgreSQL: details, keyset listings, guarded
 * corrections of one task or of a queue in batches, and the cluster-wide pause in the
 * {@code queues} table. Every correction states the statuses it expects in its {@code WHERE}
 * clause, so a task that moved on meanwhile (claimed, finished) is left alone, and none matches a
 * {@code RUNNING} task.
 */
final class TaskManagementQueries {

    private static final Log logger = LogFactory.getLog(TaskManagementQueries.class);

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** The columns {@link #task} reads, in its order. */
    private static final String COLUMNS = "id, queue, payload::text, status, attempts, max_attempts, priority, run_at, "
            + "last_error, unique_key, metadata::text, created_at, finished_at";

    private static final String DETAILS = "SELECT " + COLUMNS + ", attempt_errors::text FROM {tasks} WHERE id = ?";

    /**
     * One stored status of a listing, newest first: with an index on (queue, status, created_at DESC,
     * id DESC) an index scan that stops after LIMIT rows. Takes the queue, the cursor (when
     * {@code after} is {@code true}) and the limit.
     */
    private static String branch(String condition, boolean after) {
        return "(SELECT " + COLUMNS + " FROM {tasks} t WHERE t.queue = ? AND " + condition
                + (after ? " AND (t.created_at, t.id) < (?, ?)" : "") + " ORDER BY t.created_at DESC, t.id DESC LIMIT ?)";
    }

    /** A listing over one or more stored statuses: one ordered branch each, merged. */
    private static String listing(List<String> conditions, boolean after) {
        if (conditions.size() == 1) {
            return branch(conditions.get(0), after);
        }
        return "SELECT * FROM (" + String.join(" UNION ALL ", conditions.stream().map((c) -> branch(c, after)).toList())
                + ") t ORDER BY t.created_at DESC, t.id DESC LIMIT ?";
    }

    /** Tasks that wait: for their first attempt, or for a retry. */
    private static final String WAITING = "t.status IN ('PENDING', 'SCHEDULED', 'FAILED')";

    private static final String RETRYABLE = "(t.status IN ('FAILED', 'KILLED') OR (t.status = 'SCHEDULED' AND t.attempts > 0))";

    /**
     * A killed task whose unique key an unfinished task holds cannot be retried; among killed tasks
     * that share a key, only the oldest is retried, so one statement never makes two of them pending.
     */
    private static final String UNIQUE_KEY_FREE = """
            (t.status <> 'KILLED' OR t.unique_key IS NULL OR NOT EXISTS (
                SELECT 1 FROM {tasks} o
                WHERE o.queue = t.queue AND o.unique_key = t.unique_key AND o.id <> t.id
                  AND (o.status NOT IN ('DONE', 'KILLED') OR (o.status = 'KILLED' AND o.id < t.id))))""";

    /** Tasks by unique key, any status, newest first: served by {@code tasks_unique_key_lookup_idx}. */
    private static final String BY_UNIQUE_KEY = "SELECT " + COLUMNS
            + " FROM {tasks} t WHERE t.unique_key = ? ORDER BY t.created_at DESC, t.id DESC LIMIT ?";

    private static final String BY_QUEUE_AND_UNIQUE_KEY = "SELECT " + COLUMNS
            + " FROM {tasks} t WHERE t.unique_key = ? AND t.queue = ? ORDER BY t.created_at DESC, t.id DESC LIMIT ?";

    private static final String CANCEL = """
            UPDATE {tasks} t
            SET status = 'KILLED', last_error = ?, finished_at = now()
            WHERE t.id = ? AND %s""".formatted(WAITING);

    private static final String RETRY_SET = """
            SET status = 'PENDING', attempts = CASE WHEN t.status = 'KILLED' THEN 0 ELSE t.attempts END,
                run_at = now(), finished_at = NULL, lock_owner = NULL, locked_at = NULL""";

    private static final String RETRY = "UPDATE {tasks} t " + RETRY_SET + " WHERE t.id = ? AND " + RETRYABLE + " AND "
            + UNIQUE_KEY_FREE + " RETURNING t.queue";

    private static final String DELETE = "DELETE FROM {tasks} t WHERE t.id = ? AND t.status IN ('DONE', 'KILLED')";

    private static final String RESCHEDULE = "UPDATE {tasks} t SET run_at = ? WHERE t.id = ? AND " + WAITING
            + " RETURNING t.queue";

    /** One batch of a bulk correction: locks up to {@code LIMIT} matching rows, skipping locked ones. */
    private static final String BATCH = """
            WITH batch AS (
                SELECT t.id FROM {tasks} t
                WHERE t.queue = ? AND %1$s
                LIMIT ?
                FOR UPDATE SKIP LOCKED
            )
            %2$s""";

    private static final String CANCEL_BATCH = """
            UPDATE {tasks} t SET status = 'KILLED', last_error = ?, finished_at = now()
            FROM batch WHERE t.id = batch.id""";

    private static final String RETRY_BATCH = "UPDATE {tasks} t " + RETRY_SET + " FROM batch WHERE t.id = batch.id";

    private static final String DELETE_BATCH = "DELETE FROM {tasks} t USING batch WHERE t.id = batch.id";

    private static final String PAUSE = """
            INSERT INTO {queues} AS q (name, paused, changed_at, changed_by) VALUES (?, true, now(), ?)
            ON CONFLICT (name) DO UPDATE SET paused = true, changed_at = now(), changed_by = excluded.changed_by
            WHERE NOT q.paused
            RETURNING q.name""";

    private static final String RESUME = """
            UPDATE {queues} SET paused = false, changed_at = now(), changed_by = ?
            WHERE name = ? AND paused
            RETURNING name""";

    private static final String PAUSED = "SELECT name FROM {queues} WHERE paused ORDER BY name";

    private static final String NOTIFY = "SELECT pg_notify(?, ?)";

    private final StorageJdbc db;

    private final String channel;

    TaskManagementQueries(StorageJdbc db, boolean notify) {
        this.db = db;
        this.channel = notify ? db.names().channel() : null;
    }

    /**
     * The stored condition of a public status, on a row aliased {@code t}. The one place that maps
     * public statuses to stored ones: {@code PENDING} covers stored {@code PENDING} and
     * {@code SCHEDULED} without attempts, {@code FAILED} covers stored {@code FAILED} and
     * {@code SCHEDULED} after an attempt.
     */
    static String storedCondition(TaskStatus status) {
        return StoredStatus.condition(status, "t");
    }

    /**
     * The conditions of a public status, one per stored status (so each can be served by an index on
     * the stored status); together they are {@link #storedCondition}.
     */
    static List<String> storedConditions(TaskStatus status) {
        return switch (status) {
            case PENDING -> List.of("t.status = 'PENDING'", "t.status = 'SCHEDULED' AND t.attempts = 0");
            case FAILED -> List.of("t.status = 'FAILED'", "t.status = 'SCHEDULED' AND t.attempts > 0");
            default -> List.of(storedCondition(status));
        };
    }

    Optional<TaskDetails> details(TaskId id) {
        List<TaskDetails> found = db.jdbc().query(sql(DETAILS), (rs, row) -> {
            Task task = task(rs);
            return new TaskDetails(task, task.maxAttempts(), attemptErrors(rs.getString(14)),
                    TaskDetails.errorOf(task.status(), task.lastError()));
        }, id.value());
        return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
    }

    TaskPage list(String queue, TaskStatus status, TaskCursor after, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be 1 or more, was " + limit);
        }
        List<String> conditions = storedConditions(status);
        List<Object> parameters = new ArrayList<>();
        for (int i = 0; i < conditions.size(); i++) {
            parameters.add(queue);
            if (after != null) {
                parameters.add(Timestamp.from(after.createdAt()));
                parameters.add(after.id().value());
            }
            parameters.add(limit + 1);
        }
        if (conditions.size() > 1) {
            parameters.add(limit + 1);
        }
        List<Task> tasks = db.jdbc().query(sql(listing(conditions, after != null)), (rs, row) -> task(rs),
                parameters.toArray());
        if (tasks.size() <= limit) {
            return new TaskPage(tasks, null);
        }
        List<Task> page = tasks.subList(0, limit);
        Task last = page.get(limit - 1);
        return new TaskPage(page, new TaskCursor(last.createdAt(), last.id()));
    }

    List<Task> findByUniqueKey(String queue, String uniqueKey, int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be 1 or more, was " + limit);
        }
        if (queue == null) {
            return db.jdbc().query(sql(BY_UNIQUE_KEY), (rs, row) -> task(rs), uniqueKey, limit);
        }
        return db.jdbc().query(sql(BY_QUEUE_AND_UNIQUE_KEY), (rs, row) -> task(rs), uniqueKey, queue, limit);
    }

    boolean cancel(TaskId id) {
        return db.jdbc().update(sql(CANCEL), TaskInspections.CANCELLED, id.value()) > 0;
    }

    boolean retry(TaskId id) {
        List<String> queues;
        try {
            queues = db.jdbc().queryForList(sql(RETRY), String.class, id.value());
        }
        catch (DuplicateKeyException ex) {
            // an unfinished task with the same unique key was pushed at the same moment
            return false;
        }
        queues.forEach(this::wake);
        return !queues.isEmpty();
    }

    boolean delete(TaskId id) {
        return db.jdbc().update(sql(DELETE), id.value()) > 0;
    }

    boolean reschedule(TaskId id, Instant runAt) {
        List<String> queues = db.jdbc().queryForList(sql(RESCHEDULE), String.class, Timestamp.from(runAt), id.value());
        queues.forEach(this::wake);
        return !queues.isEmpty();
    }

    long cancelAll(String queue, TaskStatus status) {
        TaskManagement.requireStatus(status, "cancelAll", TaskStatus.PENDING, TaskStatus.FAILED);
        String statement = sql(BATCH.formatted(storedCondition(status), CANCEL_BATCH));
        return batches((batch) -> db.jdbc().update(statement, queue, batch, TaskInspections.CANCELLED));
    }

    long retryAll(String queue, TaskStatus status) {
        TaskManagement.requireStatus(status, "retryAll", TaskStatus.FAILED, TaskStatus.KILLED);
        String condition = storedCondition(status) + " AND " + UNIQUE_KEY_FREE;
        String statement = sql(BATCH.formatted(condition, RETRY_BATCH));
        long retried = batches((batch) -> {
            try {
                return db.jdbc().update(statement, queue, batch);
            }
            catch (DuplicateKeyException ex) {
                // a push took a unique key meanwhile; the next batch no longer selects that task
                logger.debug("A retry batch met a unique key taken meanwhile; retrying the batch", ex);
                return -1;
            }
        });
        if (retried > 0) {
            wake(queue);
        }
        return retried;
    }

    long deleteAll(String queue, TaskStatus status) {
        TaskManagement.requireStatus(status, "deleteAll", TaskStatus.DONE, TaskStatus.KILLED);
        String statement = sql(BATCH.formatted(storedCondition(status), DELETE_BATCH));
        return batches((batch) -> db.jdbc().update(statement, queue, batch));
    }

    boolean pause(String queue, String by) {
        return !db.jdbc().queryForList(sql(PAUSE), String.class, queue, by).isEmpty();
    }

    boolean resume(String queue, String by) {
        boolean resumed = !db.jdbc().queryForList(sql(RESUME), String.class, by, queue).isEmpty();
        if (resumed) {
            wake(queue);
        }
        return resumed;
    }

    Set<String> pausedQueues() {
        return new LinkedHashSet<>(db.jdbc().queryForList(sql(PAUSED), String.class));
    }

    /** Runs batches until one changes nothing; a batch answers -1 to be run again. */
    private static long batches(Batch batch) {
        long total = 0;
        int retries = 0;
        while (true) {
            int changed = batch.run(TaskManagement.BATCH_SIZE);
            if (changed < 0) {
                if (++retries > 10) {
                    return total;
                }
                continue;
            }
            if (changed == 0) {
                return total;
            }
            total += changed;
        }
    }

    private void wake(String queue) {
        if (channel != null) {
            db.jdbc().queryForList(NOTIFY, channel, queue);
        }
    }

    private String sql(String text) {
        return db.names().expand(text);
    }

    private static Task task(ResultSet rs) throws SQLException {
        int attempts = rs.getInt(5);
        return new Task(new TaskId(rs.getObject(1, UUID.class)), rs.getString(2), rs.getString(3),
                StoredStatus.publicStatus(rs.getString(4), attempts), attempts, rs.getInt(6), rs.getInt(7),
                TaskRows.instant(rs, 8), rs.getString(9), rs.getString(10), TaskRows.metadata(rs.getString(11)), TaskRows.instant(rs, 12),
                TaskRows.instant(rs, 13));
    }

    /** Reads {@code [{"attempt": 1, "at": "...", "error": "..."}]}; entries it cannot read are skipped. */
    static List<AttemptError> attemptErrors(String json) {
        if (json == null || json.equals("[]")) {
            return List.of();
        }
        List<AttemptError> errors = new ArrayList<>();
        try {
            for (JsonNode entry : JSON.readTree(json)) {
                JsonNode error = entry.get("error");
                if (error == null || error.isNull()) {
                    continue;
                }
                JsonNode at = entry.get("at");
                Instant when = null;
                if (at != null && !at.isNull()) {
                    try {
                        when = java.time.OffsetDateTime.parse(at.asString()).toInstant();
                    }
                    catch (RuntimeException ex) {
                        when = null;
                    }
                }
                errors.add(new AttemptError(entry.path("attempt").asInt(0), when, error.asString()));
            }
        }
        catch (JacksonException ex) {
            logger.debug("Ignoring attempt errors that are not a JSON array: " + json, ex);
        }
        return errors;
    }

    @FunctionalInterface
    private interface Batch {

        int run(int size);
    }
}
