package dev.apalis.backend.postgres;

import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import dev.apalis.backend.RegisteredWorker;
import dev.apalis.backend.WorkerRegistration;
import dev.apalis.task.TaskId;

/**
 * Keeps the workers table: a row per running worker with its last heart-beat, which decides whether
 * its running tasks are orphans, and the tasks it named as held at that heart-beat, which tells the
 * rescuer which of its claims it never heard of (a lost claim reply). A heart-beat of a worker
 * registered through this storage writes the whole row again if it is missing (deleted as stale while
 * the worker was stalled), so a worker that comes back is known again. A heart-beat that does not name
 * what it holds stores {@link #UNKNOWN_HELD}, which keeps the rescuer away from that worker's live
 * claims.
 */
final class WorkerRegistry {

    /** The held list of a worker that did not say what it holds. */
    static final UUID UNKNOWN_HELD = new UUID(0, 0);

    private static final String UPSERT = """
            INSERT INTO {workers} (id, name, queue, started_at, last_heartbeat, held)
            VALUES (?, ?, ?, now(), now(), ?::uuid[])
            ON CONFLICT (id) DO UPDATE SET last_heartbeat = now(), held = excluded.held""";

    private static final String HEARTBEAT = "UPDATE {workers} SET last_heartbeat = now(), held = ?::uuid[] WHERE id = ?";

    private static final String DELETE = "DELETE FROM {workers} WHERE id = ?";

    /** Every node's workers; the unknown-held marker counts as "not said" (-1). */
    private static final String LIST = """
            SELECT id, name, queue, started_at, last_heartbeat,
                   CASE WHEN held = ARRAY['00000000-0000-0000-0000-000000000000'::uuid] THEN -1
                        ELSE coalesce(cardinality(held), 0) END
            FROM {workers} ORDER BY name, id""";

    private final StorageJdbc db;

    private final String upsertSql;

    private final String heartbeatSql;

    private final String deleteSql;

    private final Map<String, WorkerRegistration> registered = new ConcurrentHashMap<>();

    WorkerRegistry(StorageJdbc db) {
        this.db = db;
        this.upsertSql = db.names().expand(UPSERT);
        this.heartbeatSql = db.names().expand(HEARTBEAT);
        this.deleteSql = db.names().expand(DELETE);
    }

    void register(WorkerRegistration worker) {
        upsert(worker, new UUID[0]);
        registered.put(worker.workerId(), worker);
    }

    void heartbeat(String workerId) {
        write(workerId, new UUID[] { UNKNOWN_HELD });
    }

    void heartbeat(String workerId, Collection<TaskId> held) {
        List<UUID> ids = new ArrayList<>(held.size());
        for (TaskId id : held) {
            ids.add(id.value());
        }
        write(workerId, ids.toArray(new UUID[0]));
    }

    List<RegisteredWorker> list() {
        return db.jdbc().query(db.names().expand(LIST), (rs, row) -> new RegisteredWorker(rs.getString(1),
                rs.getString(2), rs.getString(3), TaskRows.instant(rs, 4), TaskRows.instant(rs, 5), rs.getInt(6)));
    }

    void deregister(String workerId) {
        registered.remove(workerId);
        db.jdbc().update(deleteSql, workerId);
    }

    private void write(String workerId, UUID[] held) {
        WorkerRegistration worker = registered.get(workerId);
        if (worker != null) {
            upsert(worker, held);
            return;
        }
        db.jdbc().update(connection -> {
            PreparedStatement ps = connection.prepareStatement(heartbeatSql);
            ps.setArray(1, SqlArrays.uuids(connection, held));
            ps.setString(2, workerId);
            return ps;
        });
    }

    private void upsert(WorkerRegistration worker, UUID[] held) {
        db.jdbc().update(connection -> {
            PreparedStatement ps = connection.prepareStatement(upsertSql);
            ps.setString(1, worker.workerId());
            ps.setString(2, worker.workerName());
            ps.setString(3, worker.queue());
            ps.setArray(4, SqlArrays.uuids(connection, held));
            return ps;
        });
    }
}
