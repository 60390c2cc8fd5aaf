package dev.apalis.backend.postgres;

import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import dev.apalis.task.NewTask;
import dev.apalis.task.PayloadException;
import dev.apalis.task.TaskId;

/**
 * Group insert of single pushes made outside a transaction: concurrent callers hand their task to one
 * thread, which stores everything handed over since its previous flush as one batch (one multi-row
 * insert, one commit), then gives each caller its own id. A caller returns only once its row is
 * committed. When the previous batch held several tasks, the thread lingers up to
 * {@value #LINGER_MICROS} µs for as many callers to arrive again; a lone pusher pays no linger.
 * <p>
 * A batch that PostgreSQL refuses for a row's data (an invalid payload, a constraint) is stored again
 * task by task, so that only the caller of the bad row gets the error; any other failure (the database
 * is unreachable) reaches every caller of the batch. {@link #close()} stores what was handed over
 * before it returns; pushes after that return {@code null} for the caller to store them itself.
 */
final class GroupInserter implements AutoCloseable {

    private static final Log logger = LogFactory.getLog(GroupInserter.class);

    /** The longest wait for more callers before a flush. */
    static final long LINGER_MICROS = 200;

    /** The most tasks of one flush. */
    static final int MAX_BATCH = 1_000;

    private static final long CLOSE_WAIT_SECONDS = 60;

    private final Function<List<NewTask>, List<TaskId>> store;

    private final String name;

    /** Tasks handed over and not yet taken by a flush; guarded by {@code this}. */
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();

    private Thread thread;

    private boolean closed;

    /** Tasks of the previous flush: how many callers to linger for. Only the flushing thread uses it. */
    private int previousBatch;

    /**
     * @param store stores tasks in one transaction of its own and announces them
     * @param name what the thread is named after (the schema)
     */
    GroupInserter(Function<List<NewTask>, List<TaskId>> store, String name) {
        this.store = store;
        this.name = name;
    }

    /**
     * Stores one task with the others handed over meanwhile, and waits until it is committed.
     * Waiting is not interruptible (the task may already be stored); the interrupt is kept.
     * @param task the task, already validated
     * @return its id, or {@code null} when this inserter is closed
     */
    TaskId push(NewTask task) {
        Pending request = new Pending(task);
        Thread flusher;
        synchronized (this) {
            if (closed) {
                return null;
            }
            pending.add(request);
            if (thread == null) {
                thread = new Thread(this::run, "apalis-inserter-" + name);
                thread.setDaemon(true);
                thread.start();
            }
            flusher = thread;
        }
        LockSupport.unpark(flusher);
        try {
            return request.result.join();
        }
        catch (CompletionException ex) {
            Throwable cause = ex.getCause();
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw ex;
        }
    }

    private void run() {
        while (true) {
            List<Pending> batch = take();
            if (batch == null) {
                return;
            }
            flush(batch);
        }
    }

    /** Waits for tasks, lingers for more if the previous flush had company; {@code null} once closed and empty. */
    private List<Pending> take() {
        List<Pending> batch = new ArrayList<>();
        while (true) {
            synchronized (this) {
                drainTo(batch);
                if (batch.isEmpty() && closed) {
                    return null;
                }
            }
            if (!batch.isEmpty()) {
                break;
            }
            LockSupport.park(this);
        }
        int expected = Math.min(previousBatch, MAX_BATCH);
        long deadline = System.nanoTime() + TimeUnit.MICROSECONDS.toNanos(LINGER_MICROS);
        while (batch.size() < expected && System.nanoTime() - deadline < 0) {
            LockSupport.parkNanos(this, 20_000);
            synchronized (this) {
                drainTo(batch);
                if (closed) {
                    break;
                }
            }
        }
        previousBatch = batch.size();
        return batch;
    }

    private void drainTo(List<Pending> batch) {
        while (batch.size() < MAX_BATCH && !pending.isEmpty()) {
            batch.add(pending.poll());
        }
    }

    private void flush(List<Pending> batch) {
        try {
            complete(batch, store.apply(tasks(batch)));
        }
        catch (Throwable ex) {
            if (batch.size() > 1 && refusedForData(ex)) {
                for (Pending one : batch) {
                    flush(List.of(one));
                }
                return;
            }
            for (Pending one : batch) {
                one.result.completeExceptionally(ex);
            }
        }
    }

    private static void complete(List<Pending> batch, List<TaskId> ids) {
        for (int i = 0; i < batch.size(); i++) {
            batch.get(i).result.complete(ids.get(i));
        }
    }

    private static List<NewTask> tasks(List<Pending> batch) {
        List<NewTask> tasks = new ArrayList<>(batch.size());
        for (Pending one : batch) {
            tasks.add(one.task);
        }
        return tasks;
    }

    /** Whether PostgreSQL refused a row for its data (SQL state classes 22 and 23), not the batch as a whole. */
    private static boolean refusedForData(Throwable ex) {
        if (ex instanceof PayloadException) {
            return true;
        }
        for (Throwable cause = ex; cause != null; cause = cause.getCause()) {
            if (cause instanceof SQLException sql && sql.getSQLState() != null) {
                return sql.getSQLState().startsWith("22") || sql.getSQLState().startsWith("23");
            }
        }
        return false;
    }

    /** Stores every task handed over so far, then stops the thread. Calling it twice is harmless. */
    @Override
    public void close() {
        Thread running;
        synchronized (this) {
            closed = true;
            running = thread;
        }
        if (running == null || running == Thread.currentThread()) {
            return;
        }
        LockSupport.unpark(running);
        try {
            running.join(TimeUnit.SECONDS.toMillis(CLOSE_WAIT_SECONDS));
            if (running.isAlive()) {
                logger.warn("The Apalis group inserter of schema '" + name + "' is still storing pushes after "
                        + CLOSE_WAIT_SECONDS + " s; its callers wait for the database");
            }
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

    /** A task handed over and what its caller waits for. */
    private static final class Pending {

        final NewTask task;

        final CompletableFuture<TaskId> result = new CompletableFuture<>();

        Pending(NewTask task) {
            this.task = task;
        }
    }
}
