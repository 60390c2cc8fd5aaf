package dev.apalis.backend.postgres;

import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import dev.apalis.task.NewTask;
import dev.apalis.task.PayloadException;
import dev.apalis.task.TaskId;

/**
 * Group insert of single pushes made outside a transaction: concurrent callers hand their task over,
 * and one of them, the leader, stores everything handed over since the previous batch as one batch (one
 * multi-row insert, committed by itself) on its own thread, then gives each caller its own id. A caller
 * returns only once its row is committed. No thread of its own: a caller that arrives when no batch is
 * being gathered or stored leads the next one; a leader that finished hands the lead to the first
 * waiting caller, which wakes anyway.
 * <p>
 * One batch is stored at a time. Its callers cannot push again before its commit, and everyone who
 * arrives meanwhile goes into the next batch: with a few callers in a loop, every batch holds nearly all
 * of them, so each commit flush serves all of them and PostgreSQL runs one statement for all of them. A
 * leader lingers up to {@value #LINGER_MICROS} µs for as many callers as the previous batch held (they
 * are on their way back), and is woken only when they are all there; a lone pusher pays no linger.
 * <p>
 * A batch that PostgreSQL refuses for a row's data (an invalid payload, a constraint) is stored again
 * task by task, so that only the caller of the bad row gets the error; any other failure (the database
 * is unreachable) reaches every caller of that batch, and the next batch is tried anew. {@link #close()}
 * waits until what was handed over is stored; pushes after that return {@code null} for the caller to
 * store them itself.
 */
final class GroupInserter implements AutoCloseable {

    private static final Log logger = LogFactory.getLog(GroupInserter.class);

    /** The longest wait for more callers before a batch is stored. */
    static final long LINGER_MICROS = 200;

    /** The most tasks of one batch. */
    static final int MAX_BATCH = 1_000;

    private static final long CLOSE_WAIT_SECONDS = 60;

    private final Function<List<NewTask>, List<TaskId>> store;

    private final String name;

    /** Tasks handed over and not yet in a batch; guarded by {@code this}. */
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();

    /** Whether a leader is gathering or storing a batch; guarded by {@code this}. */
    private boolean leading;

    /** The size of the latest batch, which the next one lingers for; guarded by {@code this}. */
    private int lastBatch;

    /** A leader lingering for more callers; guarded by {@code this}. */
    private Thread lingering;

    /** How many waiting tasks complete the lingering leader's batch; guarded by {@code this}. */
    private int lingeringFor;

    private boolean closed;

    /**
     * @param store stores tasks in one transaction of its own and announces them
     * @param name what the log names it after (the schema)
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
        Pending request = new Pending(task, Thread.currentThread());
        List<Pending> batch = null;
        Thread complete = null;
        synchronized (this) {
            if (closed) {
                return null;
            }
            pending.add(request);
            if (!leading) {
                leading = true;
                batch = take();
            }
            else if (lingering != null && pending.size() >= lingeringFor) {
                complete = lingering;
                lingering = null;
            }
        }
        if (complete != null) {
            LockSupport.unpark(complete);
        }
        // A leader stores other callers' tasks too: an interrupt of this caller must not fail their batch
        // (a pool may refuse a connection to an interrupted thread), so it is kept aside until the end.
        boolean interrupted = false;
        while (true) {
            if (batch != null) {
                interrupted = Thread.interrupted() || interrupted;
                lead(batch);
                batch = null;
            }
            if (request.done) {
                break;
            }
            if (request.lead) {
                request.lead = false;
                synchronized (this) {
                    batch = take();
                }
                continue;
            }
            LockSupport.park(this);
            interrupted = Thread.interrupted() || interrupted;
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        return request.result();
    }

    /** Takes the waiting tasks into a new batch, up to its largest size; call holding the lock. */
    private List<Pending> take() {
        List<Pending> batch = new ArrayList<>(Math.min(pending.size(), MAX_BATCH));
        drainTo(batch);
        return batch;
    }

    /** Moves waiting tasks into a batch, up to its largest size; call holding the lock. */
    private void drainTo(List<Pending> batch) {
        while (batch.size() < MAX_BATCH && !pending.isEmpty()) {
            batch.add(pending.poll());
        }
    }

    /** Lingers if worth it, stores the batch, then hands the lead to the first waiting caller, if any. */
    private void lead(List<Pending> batch) {
        lingerForCompany(batch);
        try {
            flush(batch);
        }
        finally {
            Thread next = null;
            synchronized (this) {
                if (pending.isEmpty()) {
                    leading = false;
                }
                else {
                    Pending head = pending.peek();
                    head.lead = true;
                    next = head.thread;
                }
                notifyAll();
            }
            if (next != null) {
                LockSupport.unpark(next);
            }
        }
    }

    /**
     * When the previous batch was larger, waits up to the linger for as many callers (they are on their
     * way back); the caller that completes the batch wakes the leader.
     */
    private void lingerForCompany(List<Pending> batch) {
        long deadline = System.nanoTime() + TimeUnit.MICROSECONDS.toNanos(LINGER_MICROS);
        int expected;
        synchronized (this) {
            expected = Math.min(lastBatch, MAX_BATCH);
        }
        long left;
        while ((left = deadline - System.nanoTime()) > 0) {
            synchronized (this) {
                drainTo(batch);
                if (batch.size() >= expected) {
                    break;
                }
                lingering = Thread.currentThread();
                lingeringFor = expected - batch.size();
            }
            LockSupport.parkNanos(this, left);
            synchronized (this) {
                lingering = null;
            }
        }
        synchronized (this) {
            drainTo(batch);
            lastBatch = batch.size();
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
                one.fail(ex);
            }
        }
    }

    private static void complete(List<Pending> batch, List<TaskId> ids) {
        for (int i = 0; i < batch.size(); i++) {
            batch.get(i).succeed(ids.get(i));
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

    /** Waits until every task handed over so far is stored; later pushes are left to their callers. Calling it twice is harmless. */
    @Override
    public void close() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(CLOSE_WAIT_SECONDS);
        boolean interrupted = false;
        synchronized (this) {
            closed = true;
            long left;
            while ((!pending.isEmpty() || leading) && (left = deadline - System.nanoTime()) > 0) {
                try {
                    TimeUnit.NANOSECONDS.timedWait(this, left);
                }
                catch (InterruptedException ex) {
                    interrupted = true;
                }
            }
            if (!pending.isEmpty() || leading) {
                logger.warn("The Apalis group insert of schema '" + name + "' is still storing pushes after "
                        + CLOSE_WAIT_SECONDS + " s; its callers wait for the database");
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** A task handed over, its caller, and what the caller waits for. */
    private static final class Pending {

        final NewTask task;

        final Thread thread;

        /** Set before {@link #done}; read after it. */
        private TaskId id;

        private Throwable failure;

        volatile boolean done;

        /** Set when the caller is to lead the next batch. */
        volatile boolean lead;

        Pending(NewTask task, Thread thread) {
            this.task = task;
            this.thread = thread;
        }

        void succeed(TaskId value) {
            id = value;
            done = true;
            LockSupport.unpark(thread);
        }

        void fail(Throwable ex) {
            failure = ex;
            done = true;
            LockSupport.unpark(thread);
        }

        TaskId result() {
            if (failure == null) {
                return id;
            }
            if (failure instanceof RuntimeException runtime) {
                throw runtime;
            }
            if (failure instanceof Error error) {
                throw error;
            }
            throw new IllegalStateException("The group insert failed", failure);
        }
    }
}
