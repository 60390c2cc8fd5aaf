package dev.apalis.backend.postgres;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
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
 */
final class NotificationListener implements AutoCloseable {

    private static final Log logger = LogFactory.getLog(NotificationListener.class);

    /** How long one wait for notifications lasts before the thread checks whether it should stop. */
    private static final int WAIT_MILLIS = 250;

    static final int IDLE_CHECK_SECONDS = 30;

    static final long MIN_BACKOFF_MILLIS = 100;

    static final long MAX_BACKOFF_MILLIS = 5_000;

    private final DataSource dataSource;

    private final SchemaNames names;

    private final Map<String, List<Runnable>> subscribers = new ConcurrentHashMap<>();

    private final Object monitor = new Object();

    private Thread thread;

    private volatile boolean closed;

    private volatile int backendPid;

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
        boolean failing = false;
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
                if (failing) {
                    logger.info("Apalis listens for new tasks of schema '" + names + "' again");
                    failing = false;
                }
                backoff = MIN_BACKOFF_MILLIS;
                wakeAll();
                receive(connection, pg);
            }
            catch (Throwable ex) {
                if (closed) {
                    break;
                }
                if (!failing) {
                    failing = true;
                    logger.warn("The Apalis listening connection of schema '" + names + "' failed; reconnecting with "
                            + "backoff, and workers poll meanwhile (further failures are logged at debug level)", ex);
                }
                else if (logger.isDebugEnabled()) {
                    logger.debug("The Apalis listening connection of schema '" + names + "' failed again", ex);
                }
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
