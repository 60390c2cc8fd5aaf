package dev.apalis.reliability;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import javax.sql.DataSource;

import dev.apalis.backend.postgres.PostgresStorage;
import dev.apalis.task.NewTask;
import dev.apalis.test.TestPostgres;

import static org.awaitility.Awaitility.await;

/**
 * Several {@link Node}s on one database, and the test's own view of that database: a storage to push
 * with (no maintenance: only the nodes rescue orphans) and {@link Db} to assert with, both emptied
 * first. Closing it kills the nodes still running.
 */
final class Cluster implements AutoCloseable {

    /** How long a node may take to start under load (a JVM, a pool, the schema check). */
    static final Duration NODE_START = Duration.ofSeconds(90);

    private final TestPostgres.Database database;

    private final String queue;

    private final List<Node> nodes = new CopyOnWriteArrayList<>();

    private final PostgresStorage storage;

    private final Db db;

    private final ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "heartbeat-sampler");
        thread.setDaemon(true);
        return thread;
    });

    private final AtomicLong maxHeartbeatAgeMillis = new AtomicLong();

    Cluster(TestPostgres.Database database, DataSource dataSource, String queue) {
        this.database = database;
        this.queue = queue;
        this.storage = PostgresStorage.builder(dataSource).maintenance(false).build();
        this.db = new Db(dataSource, PostgresStorage.DEFAULT_SCHEMA);
        db.createExecutions();
        // a fresh start for each scenario of a test class (they share the class's database)
        db.jdbc().execute("TRUNCATE apalis.tasks, apalis.workers, public.executions");
        sampler.scheduleWithFixedDelay(this::sampleHeartbeats, 250, 250, TimeUnit.MILLISECONDS);
    }

    /**
     * The oldest heart-beat of a live node seen so far (sampled every 250 ms): how close a live node came
     * to having its tasks rescued, which happens once it exceeds the orphan threshold.
     */
    Duration maxHeartbeatAge() {
        return Duration.ofMillis(maxHeartbeatAgeMillis.get());
    }

    private void sampleHeartbeats() {
        try {
            db.jdbc().query("""
                    SELECT id, (extract(epoch FROM clock_timestamp() - last_heartbeat) * 1000)::bigint
                    FROM apalis.workers""", rs -> {
                String id = rs.getString(1);
                long age = rs.getLong(2);
                boolean live = nodes.stream().anyMatch(node -> id.startsWith(node.workerIdPrefix(queue)) && node.isAlive());
                if (live) {
                    maxHeartbeatAgeMillis.accumulateAndGet(age, Math::max);
                }
            });
        }
        catch (RuntimeException ex) {
            // a sample lost; the next one follows
        }
    }

    Db db() {
        return db;
    }

    PostgresStorage storage() {
        return storage;
    }

    List<Node> nodes() {
        return nodes;
    }

    /**
     * Starts nodes and waits until each one's worker is registered (it claims from then on).
     * @param count how many
     * @param prefix a name prefix for their logs
     * @param options {@link NodeApp} options
     * @return the started nodes
     */
    List<Node> start(int count, String prefix, String... options) {
        List<Node> started = new ArrayList<>();
        List<String> all = new ArrayList<>(List.of(options));
        all.add("queue=" + queue);
        for (int i = 1; i <= count; i++) {
            Node node = Node.start(prefix + "-" + i, database, all.toArray(String[]::new));
            nodes.add(node);
            started.add(node);
        }
        for (Node node : started) {
            await().atMost(NODE_START).pollInterval(Duration.ofMillis(200)).until(() -> {
                if (!node.isAlive()) {
                    throw new IllegalStateException(node + " died while starting:\n" + node.output());
                }
                return registered(node);
            });
        }
        return started;
    }

    boolean registered(Node node) {
        Long count = db.jdbc().queryForObject("SELECT count(*) FROM apalis.workers WHERE id LIKE ?", Long.class,
                node.workerIdPrefix(queue) + "%");
        return count != null && count > 0;
    }

    /** Pushes tasks in batches of 2,000. */
    void push(List<NewTask> tasks) {
        for (int from = 0; from < tasks.size(); from += 2000) {
            storage.pushAll(tasks.subList(from, Math.min(tasks.size(), from + 2000)));
        }
    }

    /** The database's clock, which stamps {@code executions} and {@code finished_at}. */
    Instant dbNow() {
        return db.jdbc().queryForObject("SELECT clock_timestamp()", OffsetDateTime.class).toInstant();
    }

    /** How many tasks of the queue a node holds as RUNNING. */
    long runningOn(Node node) {
        Long count = db.jdbc().queryForObject(
                "SELECT count(*) FROM apalis.tasks WHERE status = 'RUNNING' AND lock_owner LIKE ?", Long.class,
                node.workerIdPrefix(queue) + "%");
        return (count != null) ? count : 0;
    }

    /**
     * Freezes a node (SIGSTOP) if it holds tasks, and keeps it frozen only if it still holds some once the
     * server runs no statement of it (a commit it sent just before is then written): what it holds then
     * stays as it is until a kill. A node that held nothing, or finished what it held meanwhile, runs on.
     * @return whether the node is frozen holding tasks
     */
    boolean freezeHolding(Node node) {
        if (runningOn(node) == 0) {
            return false;
        }
        node.freeze();
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10))
            .until(() -> sessionsOf(node, " AND state = 'active'") == 0);
        if (runningOn(node) > 0) {
            return true;
        }
        node.thaw();
        return false;
    }

    /** Waits until the server has dropped every session of a dead node, so that nothing of it is in flight. */
    void awaitSessionsGone(Node node, Duration timeout) {
        await().atMost(timeout).pollInterval(Duration.ofMillis(100)).until(() -> sessionsOf(node, "") == 0);
    }

    /** How many server sessions of a node there are that meet a condition of this class (never input). */
    private long sessionsOf(Node node, String condition) {
        Long count = db.jdbc().queryForObject("SELECT count(*) FROM pg_stat_activity WHERE application_name = ?"
                + condition, Long.class, Node.applicationName(node.pid()));
        return (count != null) ? count : 0;
    }

    /**
     * Stops the nodes still running with SIGTERM and waits for them.
     * @param timeout how long each may take
     */
    void stopAll(Duration timeout) throws InterruptedException {
        for (Node node : nodes) {
            if (node.isAlive()) {
                node.terminate();
            }
        }
        for (Node node : nodes) {
            node.awaitExit(timeout);
        }
    }

    @Override
    public void close() {
        sampler.shutdownNow();
        for (Node node : nodes) {
            node.close();
        }
        storage.close();
    }
}
