package dev.apalis.backend.postgres;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import dev.apalis.backend.WorkerRegistration;

/**
 * Keeps the workers table: a row per running worker with its last heart-beat, which decides whether
 * its running tasks are orphans. A heart-beat of a worker registered through this storage writes the
 * whole row again if it is missing (deleted as stale while the worker was stalled), so a worker that
 * comes back is known again.
 */
final class WorkerRegistry {

    private static final String UPSERT = """
            INSERT INTO {workers} (id, name, queue, started_at, last_heartbeat)
            VALUES (?, ?, ?, now(), now())
            ON CONFLICT (id) DO UPDATE SET last_heartbeat = now()""";

    private static final String HEARTBEAT = "UPDATE {workers} SET last_heartbeat = now() WHERE id = ?";

    private static final String DELETE = "DELETE FROM {workers} WHERE id = ?";

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
        db.jdbc().update(upsertSql, worker.workerId(), worker.workerName(), worker.queue());
        registered.put(worker.workerId(), worker);
    }

    void heartbeat(String workerId) {
        WorkerRegistration worker = registered.get(workerId);
        if (worker != null) {
            db.jdbc().update(upsertSql, worker.workerId(), worker.workerName(), worker.queue());
        }
        else {
            db.jdbc().update(heartbeatSql, workerId);
        }
    }

    void deregister(String workerId) {
        registered.remove(workerId);
        db.jdbc().update(deleteSql, workerId);
    }
}
