package dev.apalis.backend.postgres;

import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import dev.apalis.task.NewTask;
import dev.apalis.task.PayloadException;
import dev.apalis.task.TaskId;

/**
 * Group insert of single pushes made outside a transaction: concurrent callers hand their task over,
 * and an inserter thread stores everything handed over since the previous batch as one batch (one
 * multi-row insert and one commit), then gives each caller its own id. A caller returns only once its
 * row is committed. Up to {@value #INSERTERS} inserter threads store batches at the same time, one
 * collecting the next batch while the others wait for their commits. When no batch is being stored
 * and a thread's previous batch held several tasks, it lingers up to {@value #LINGER_MICROS} µs for
 * as many callers to arrive; a lone pusher pays no linger.
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

    /** How many batches may be stored at the same time (each on a connection of its own). */
    static final int INSERTERS = 4;

    private static final long CLOSE_WAIT_SECONDS = 60;

    private final Function<List<NewTask>, List<TaskId>> store;

    private final String name;

    /** Tasks handed over and not yet taken by a flush; guarded by {@code this}. */
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();

    /** Held by the one inserter thread that collects the next batch. */
    private final ReentrantLock collecting = new ReentrantLock();

    private final List<Thread> threads = new ArrayList<>(INSERTERS);

    /** The thread collecting the next batch, to wake when a task is handed over. */
    private volatile Thread collector;

    /** Tasks being stored now, in batches handed to the database. */
    private final AtomicInteger storing = new AtomicInteger();

    /** The size of the latest batch, which the next one lingers for when nothing else is stored. */
    private volatile int lastBatch;

    private boolean closed;

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
        synchronized (this) {
            if (closed) {
                return null;
            }
            pending.add(request);
            if (threads.isEmpty()) {
                for (int i = 1; i <= INSERTERS; i++) {
                    Thread thread = new Thread(this::run, "apalis-inserter-" + name + "-" + i);
                    thread.setDaemon(true);
                    threads.add(thread);
                    thread.start();
                }
            }
        }
        Thread waiting = collector;
        if (waiting != null) {
            LockSupport.unpark(waiting);
        }
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
            List<Pending> batch;
            collecting.lock();
            try {
                collector = Thread.currentThread();
                batch = take();
                collector = null;
                if (batch != null) {
                    storing.addAndGet(batch.size());
                    lastBatch = batch.size();
                }
            }
            finally {
                collecting.unlock();
            }
            if (batch == null) {
                return;
            }
            try {
                flush(batch);
            }
            finally {
                storing.addAndGet(-batch.size());
                Thread waiting = collector;
                if (waiting != null) {
                    LockSupport.unpark(waiting);
                }
            }
        }
    }

    /**
     * Waits for a batch worth storing now: any task when nothing is being stored, else at least as
     * many tasks as are being stored (so that concurrent callers gather into one batch while another
     * commits, instead of splitting into many small ones). When nothing is being stored and the last
     * batch had company, lingers for as many callers (they are on their way back). {@code null} once
     * closed and empty.
     */
    private List<Pending> take() {
        List<Pending> batch = new ArrayList<>();
        while (true) {
            synchronized (this) {
                drainTo(batch);
                if (batch.isEmpty() && closed) {
                    return null;
                }
            }
            int inFlight = storing.get();
            if (!batch.isEmpty() && (inFlight == 0 || batch.size() >= Math.min(inFlight, MAX_BATCH))) {
                break;
            }
            LockSupport.park(this);
        }
        int expected = (storing.get() == 0) ? Math.min(lastBatch, MAX_BATCH) : 0;
        long deadline = System.nanoTime() + TimeUnit.MICROSECONDS.toNanos(LINGER_MICROS);
        long left;
        while (batch.size() < expected && (left = deadline - System.nanoTime()) > 0) {
            LockSupport.parkNanos(this, left);
            synchronized (this) {
                drainTo(batch);
                if (closed) {
                    break;
                }
            }
        }
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
        List<Thread> running;
        synchronized (this) {
            closed = true;
            running = List.copyOf(threads);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(CLOSE_WAIT_SECONDS);
        for (Thread thread : running) {
            LockSupport.unpark(thread);
        }
        try {
            for (Thread thread : running) {
                if (thread != Thread.currentThread()) {
                    thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
                    if (thread.isAlive()) {
                        logger.warn("The Apalis group inserter of schema '" + name + "' is still storing pushes "
                                + "after " + CLOSE_WAIT_SECONDS + " s; its callers wait for the database");
                        return;
                    }
                }
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
