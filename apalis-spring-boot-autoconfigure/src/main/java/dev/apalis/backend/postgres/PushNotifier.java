package dev.apalis.backend.postgres;

import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Set;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.jdbc.core.ResultSetExtractor;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Sends the wake-ups of pushes once they are committed, coalesced: a thread of its own sends one
 * statement naming every queue pushed to since its previous one. PostgreSQL serialises the commits of
 * transactions that notify (each takes one lock as it commits), so a NOTIFY inside every push would
 * make concurrent pushers wait for each other; this way pushes commit without one.
 * <p>
 * A push that joined the caller's transaction is announced after that transaction commits, whatever
 * transaction manager runs it (JDBC, JPA, ...), and not at all if it rolls back; any other push, once
 * its own transaction committed. A lost
 * wake-up (the database was unreachable) costs a worker at most its poll interval.
 */
final class PushNotifier implements AutoCloseable {

    private static final Log logger = LogFactory.getLog(PushNotifier.class);

    private static final String NOTIFY = "SELECT count(pg_notify(?, queue)) FROM unnest(?::text[]) AS q(queue)";

    private static final Duration CLOSE_WAIT = Duration.ofSeconds(5);

    private final StorageJdbc db;

    private final String channel;

    /** Queues pushed to and not yet announced; guarded by {@code this}. */
    private final Set<String> pending = new LinkedHashSet<>();

    private Thread thread;

    private boolean closed;

    PushNotifier(StorageJdbc db) {
        this.db = db;
        this.channel = db.names().channel();
    }

    /**
     * Announces a push to these queues once it is committed.
     * @param queues the queues pushed to
     * @param inCallerTransaction whether the push joined the caller's transaction (then it is announced
     * after that commits), or is committed already
     */
    void pushed(Collection<String> queues, boolean inCallerTransaction) {
        if (inCallerTransaction && TransactionSynchronizationManager.isSynchronizationActive()) {
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCommit() {
                    announce(queues);
                }
            });
        }
        else {
            announce(queues);
        }
    }

    private synchronized void announce(Collection<String> queues) {
        if (closed) {
            return;
        }
        pending.addAll(queues);
        if (thread == null) {
            thread = new Thread(this::run, "apalis-notifier-" + db.names().schema());
            thread.setDaemon(true);
            thread.start();
        }
        notifyAll();
    }

    private void run() {
        while (true) {
            String[] queues;
            synchronized (this) {
                while (pending.isEmpty() && !closed) {
                    try {
                        wait();
                    }
                    catch (InterruptedException ex) {
                        return;
                    }
                }
                if (pending.isEmpty()) {
                    return;
                }
                queues = pending.toArray(String[]::new);
                pending.clear();
            }
            send(queues);
        }
    }

    private void send(String[] queues) {
        try {
            db.jdbc().query(connection -> {
                PreparedStatement statement = connection.prepareStatement(NOTIFY);
                statement.setString(1, channel);
                statement.setArray(2, SqlArrays.texts(connection, queues));
                return statement;
            }, (ResultSetExtractor<Void>) rs -> null);
        }
        catch (RuntimeException ex) {
            logger.debug("Could not send the wake-up for pushes to " + String.join(", ", queues)
                    + "; workers find the tasks at their next poll", ex);
        }
    }

    /** Sends what is pending, then stops the thread. */
    @Override
    public void close() {
        Thread running;
        synchronized (this) {
            closed = true;
            running = thread;
            notifyAll();
        }
        if (running != null) {
            try {
                running.join(CLOSE_WAIT.toMillis());
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
