package dev.apalis.backend.postgres;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import javax.sql.DataSource;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

import dev.apalis.backend.Backend;

/**
 * The one listening connection of a storage: a daemon thread that holds a connection from the data
 * source, {@code LISTEN}s on the storage's channel and runs the subscribers of the queue each
 * notification names. All queues and all subscribers share it; it starts with the first
 * subscription.
 * <p>
 * It never dies while the storage is open: when the connection fails (the server restarted, a
 * {@code pg_terminate_backend}, a network cut found by a validity check after
 * {@value #IDLE_CHECK_SECONDS} s of silence) it reconnects with a backoff from
 * {@value #MIN_BACKOFF_MILLIS} ms to {@value #MAX_BACKOFF_MILLIS} ms. After every (re)connect it wakes
 * all subscribers, since pushes may have been missed meanwhile. Subscribers must return quickly: they
 * run on this thread.
 * <p>
 * Failures are logged at WARN (the first, then at most one line per {@link #FAILURE_LOG_INTERVAL} with
 * the count of failures not logged since; stack traces at debug level), and the reconnection at INFO
 * with how many failures it ended and how long it took.
 */
final class NotificationListener implements AutoCloseable {

    private static final Log logger = LogFactory.getLog(NotificationListener.class);

    /** How long one wait for notifications lasts before the thread checks whether it should stop. */
    private static final int WAIT_MILLIS = 250;

    static final int IDLE_CHECK_SECONDS = 30;

    static final long MIN_BACKOFF_MILLIS = 100;

    static final long MAX_BACKOFF_MILLIS = 5_000;

    /** The shortest time between two WARN lines about failures of the listening connection. */
    static final Duration FAILURE_LOG_INTERVAL = Duration.ofSeconds(30);

    private final DataSource dataSource;

    private final SchemaNames names;

    private final Map<String, List<Runnable>> subscribers = new ConcurrentHashMap<>();

    private final Object monitor = new Object();

    private Thread thread;

    private volatile boolean closed;

    private volatile int backendPid;

    /** Failure bookkeeping of the listening thread (only it touches these). */
    private long failingSince;

    private long failures;

    private long logged;

    private long lastWarning;

    NotificationListener(DataSource dataSource, SchemaNames names) {
        this.dataSource = dataSource;
        this.names = names;
    }

    Backend.Subscription subscribe(String queue, Runnable listener) {
        synchronized (monitor) {
            if (closed) {
                throw new IllegalStateException("This PostgresStorage is closed; build a new one to subscribe");
            }
            subscribers.computeIfAbsent(queue, key -> new CopyOnWriteArrayList<>()).add(listener);
            if (thread == null) {
                thread = new Thread(this::listen, "apalis-listener-" + names.schema());
                thread.setDaemon(true);
                thread.start();
            }
        }
        AtomicBoolean open = new AtomicBoolean(true);
        return () -> {
            if (open.compareAndSet(true, false)) {
                subscribers.computeIfPresent(queue, (key, list) -> {
                    list.remove(listener);
                    return list.isEmpty() ? null : list;
                });
            }
        };
    }

    /** The server process id of the listening connection, or 0 while there is none (for tests). */
    int backendPid() {
        return backendPid;
    }

    private void listen() {
        long backoff = MIN_BACKOFF_MILLIS;
        while (!closed) {
            Connection connection = null;
            try {
                connection = dataSource.getConnection();
                if (!connection.isWrapperFor(PGConnection.class)) {
                    logger.warn("The data source of Apalis schema '" + names + "' does not give PostgreSQL JDBC "
                            + "connections (org.postgresql); workers find new tasks by polling only");
                    return;
                }
                PGConnection pg = connection.unwrap(PGConnection.class);
                connection.setAutoCommit(true);
                try (Statement statement = connection.createStatement()) {
                    statement.execute("LISTEN " + names.quotedChannel());
                }
                backendPid = pg.getBackendPID();
                recovered();
                backoff = MIN_BACKOFF_MILLIS;
                wakeAll();
                receive(connection, pg);
            }
            catch (Throwable ex) {
                if (closed) {
                    break;
                }
                failed(ex);
            }
            finally {
                backendPid = 0;
                release(connection);
            }
            if (!closed) {
                pause(backoff);
                backoff = Math.min(backoff * 2, MAX_BACKOFF_MILLIS);
            }
        }
    }

    /**
     * Logs a failure of the listening connection at WARN, at most once per {@link #FAILURE_LOG_INTERVAL}
     * with the number of failures not logged since, the stack trace only at debug level.
     */
    private void failed(Throwable ex) {
        long now = System.nanoTime();
        boolean first = failures == 0;
        failures++;
        if (first) {
            failingSince = now;
        }
        else if (now - lastWarning < FAILURE_LOG_INTERVAL.toNanos()) {
            if (logger.isDebugEnabled()) {
                logger.debug("The Apalis listening connection of schema '" + names + "' failed again", ex);
            }
            return;
        }
        long notLogged = failures - logged - 1;
        lastWarning = now;
        logged = failures;
        String message = "The Apalis listening connection of schema '" + names + "' failed: " + firstLine(ex)
                + ((notLogged > 0) ? " (" + notLogged + " more since the last report)" : "")
                + "; reconnecting with backoff, and workers poll meanwhile";
        if (logger.isDebugEnabled()) {
            logger.warn(message, ex);
        }
        else {
            logger.warn(message);
        }
    }

    /** Logs at INFO that the connection listens again, if it had failed, with how long and how often. */
    private void recovered() {
        if (failures == 0) {
            return;
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - failingSince);
        logger.info("Apalis listens for new tasks of schema '" + names + "' again after " + failures + " failure"
                + ((failures == 1) ? "" : "s") + " in " + millis + " ms");
        failingSince = 0;
        failures = 0;
        logged = 0;
        lastWarning = 0;
    }

    private static String firstLine(Throwable ex) {
        String text = String.valueOf(ex.getMessage());
        int end = text.indexOf('\n');
        return ex.getClass().getSimpleName() + ": " + ((end >= 0) ? text.substring(0, end) : text).strip();
    }

    /** Waits for notifications until the storage closes or the connection fails. */
    private void receive(Connection connection, PGConnection pg) throws SQLException {
        long lastHeard = System.nanoTime();
        Set<String> queues = new LinkedHashSet<>();
        while (!closed) {
            PGNotification[] notifications = pg.getNotifications(WAIT_MILLIS);
            if (notifications != null && notifications.length > 0) {
                lastHeard = System.nanoTime();
                for (PGNotification notification : notifications) {
                    queues.add(notification.getParameter());
                }
                for (String queue : queues) {
                    wake(queue);
                }
                queues.clear();
            }
            else if (System.nanoTime() - lastHeard > TimeUnit.SECONDS.toNanos(IDLE_CHECK_SECONDS)) {
                if (!connection.isValid(5)) {
                    throw new SQLException("The listening connection is no longer valid");
                }
                lastHeard = System.nanoTime();
            }
        }
    }

    private void wakeAll() {
        for (String queue : subscribers.keySet()) {
            wake(queue);
        }
    }

    private void wake(String queue) {
        List<Runnable> listeners = subscribers.get(queue);
        if (listeners == null) {
            return;
        }
        for (Runnable listener : listeners) {
            try {
                listener.run();
            }
            catch (Throwable ex) {
                logger.warn("A wake-up listener of queue '" + queue + "' threw; the others still run", ex);
            }
        }
    }

    /**
     * Stops listening and gives the connection back. On a failed connection the {@code UNLISTEN} fails
     * too, through the pool's own connection wrapper, which lets a pool see the failure and evict it.
     */
    private void release(Connection connection) {
        if (connection == null) {
            return;
        }
        try (Statement statement = connection.createStatement()) {
            statement.execute("UNLISTEN *");
        }
        catch (Throwable ex) {
            logger.debug("Could not UNLISTEN on the Apalis listening connection", ex);
        }
        try {
            connection.close();
        }
        catch (Throwable ex) {
            logger.debug("Could not close the Apalis listening connection", ex);
        }
    }

    private void pause(long millis) {
        synchronized (monitor) {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
            long remaining = millis;
            while (!closed && remaining > 0) {
                try {
                    monitor.wait(remaining);
                }
                catch (InterruptedException ex) {
                    if (closed) {
                        return;
                    }
                }
                remaining = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            }
        }
    }

    @Override
    public void close() {
        Thread current;
        synchronized (monitor) {
            closed = true;
            current = thread;
            subscribers.clear();
            monitor.notifyAll();
        }
        if (current != null && current != Thread.currentThread()) {
            try {
                current.join(WAIT_MILLIS * 4L);
                if (current.isAlive()) {
                    current.interrupt();
                    current.join(2_000);
                }
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
