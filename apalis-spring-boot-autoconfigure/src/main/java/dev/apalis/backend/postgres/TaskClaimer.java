package dev.apalis.backend.postgres;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import org.springframework.jdbc.core.ResultSetExtractor;

import dev.apalis.backend.ClaimRequest;
import dev.apalis.task.Task;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskStatus;

/**
 * Claims due tasks in one statement, and tells how long until the next waiting task is due.
 * <p>
 * The claim selects the first {@code max} due tasks of the queue in the order of
 * {@code tasks_claim_idx} (priority, run time, id), skipping rows other claims have locked, and marks
 * them {@code RUNNING} under the worker in the same statement; the CTE is the fence that makes
 * {@code LIMIT} and {@code SKIP LOCKED} apply before the update. The first {@code startingNow} rows
 * the index scan returns (the claim order, numbered without a sort), and any row rescued before
 * without a recorded start ({@code unstarted_rescues > 0}), are charged their attempt
 * ({@code started_at} set); the rest are charged when the worker reports their start or their outcome.
 * Which rows the claim charged is a hint for the worker only: a start report of a charged row and an
 * outcome of an uncharged one both charge exactly once. A row without its own maximum of attempts gets the worker's. {@code RETURNING} has no
 * order, so the batch is sorted here; its {@code attempts} is the attempt each task runs when started.
 * <p>
 * The update finds the locked rows by their {@code ctid} (a TID scan, one page per row), which is safe
 * within the one statement that holds their row locks. Joined by {@code id}, the planner chose a hash
 * join over a sequential scan of the whole table whenever the table was small enough to look cheap,
 * so every claim read every row, finished ones included: on a 20,000-task drain the {@code ctid} join
 * took the database's CPU for a claim and its completion from a median of 1.68 s to 0.90 s.
 * <p>
 * An idle worker polls with one read-only statement instead of two: when its previous claim came back
 * short and no notification for the queue arrived since, a claim first {@linkplain #PROBE probes}
 * whether anything is claimable and, if not, returns nothing and keeps the probe's next run time as the
 * answer to the worker's {@link #nextRunIn} that follows on the same thread. A claim after a
 * notification, after a full claim, or once a run time that a look-up on the same thread reported has
 * come, goes straight to the claim statement: the last is aimed at a task that is due, and a probe
 * first would delay its start by a round trip. A claim bounded by priority ({@link #CLAIM_BELOW})
 * never probes and leaves this state alone: a worker sends it while it holds tasks claimed ahead, so
 * it says nothing about whether the queue ran dry.
 */
final class TaskClaimer {

    static final String CLAIM = claim("");

    /**
     * The claim of tasks of a priority number below a bound (a parameter after the queue): the scan of
     * {@code tasks_claim_idx} starts at the queue's lowest priority and stops at the bound, so finding
     * nothing costs one index probe.
     */
    static final String CLAIM_BELOW = claim("\n      AND priority < ?");

    /** The claim statement with a condition of this package (never input) added to the rows it locks. */
    private static String claim(String condition) {
        return """
            WITH locked AS (
                SELECT ctid FROM {tasks}
                WHERE queue = ? AND status IN ('PENDING', 'FAILED') AND run_at <= now()%s
                  AND NOT EXISTS (SELECT 1 FROM {queues} q WHERE q.name = ? AND q.paused)
                ORDER BY priority, run_at, id
                LIMIT ?
                FOR UPDATE SKIP LOCKED
            ), next AS (
                SELECT ctid, row_number() OVER () <= ? AS starting FROM locked
            )
            UPDATE {tasks} t
            SET status = 'RUNNING',
                attempts = t.attempts + (next.starting OR t.unstarted_rescues > 0)::int,
                started_at = CASE WHEN next.starting OR t.unstarted_rescues > 0 THEN now() END,
                max_attempts = CASE WHEN t.max_attempts = 0 THEN ? ELSE t.max_attempts END,
                lock_owner = ?, locked_at = now()
            FROM next
            WHERE t.ctid = next.ctid
            RETURNING t.id, t.payload::text, t.attempts + (t.started_at IS NULL)::int, t.max_attempts, t.priority,
                      t.run_at, t.last_error, t.unique_key, t.metadata::text, t.created_at""".formatted(condition);
    }

    /** Charges the attempts of claimed-ahead tasks whose handlers started (once: a charged row is left alone). */
    static final String STARTED = """
            UPDATE {tasks}
            SET attempts = attempts + 1, started_at = now()
            WHERE id = ANY (?::uuid[]) AND status = 'RUNNING' AND lock_owner = ? AND started_at IS NULL""";

    /**
     * The earliest future run time among the queue's waiting tasks: claimable ones (one probe of the
     * claim index per priority) and scheduled ones (one probe of the scheduled index). A scheduled
     * task past its run time that no promoter moved yet is left out, so that workers do not spin on a
     * task they cannot claim. Takes the queue four times as parameters.
     */
    static final String NEXT_RUN_AT = """
            SELECT least((%s),
                         (SELECT s.run_at FROM {tasks} s
                          WHERE s.queue = ? AND s.status = 'SCHEDULED' AND s.run_at > now()
                          ORDER BY s.run_at LIMIT 1))""".formatted(earliestRunAtPerPriority("t.run_at > now()"));

    /**
     * The earliest run time among a queue's waiting tasks that meet a run-time condition, by a skip
     * scan over the claim index (queue, priority, run_at, id): one index probe per distinct priority
     * of the queue's waiting tasks, instead of reading every waiting task. The condition is a constant
     * of this package, never input. Takes the queue three times as parameters.
     */
    static String earliestRunAtPerPriority(String runAtCondition) {
        return """
                WITH RECURSIVE priorities AS (
                    (SELECT priority FROM {tasks}
                     WHERE queue = ? AND status IN ('PENDING', 'FAILED')
                     ORDER BY priority LIMIT 1)
                    UNION ALL
                    SELECT (SELECT t.priority FROM {tasks} t
                            WHERE t.queue = ? AND t.status IN ('PENDING', 'FAILED') AND t.priority > p.priority
                            ORDER BY t.priority LIMIT 1)
                    FROM priorities p
                    WHERE p.priority IS NOT NULL
                )
                SELECT min((SELECT t.run_at FROM {tasks} t
                            WHERE t.queue = ? AND t.status IN ('PENDING', 'FAILED') AND t.priority = p.priority
                              AND %s
                            ORDER BY t.run_at LIMIT 1))
                FROM priorities p
                WHERE p.priority IS NOT NULL""".formatted(runAtCondition);
    }

    /** How long until the earliest future run time, in microseconds, computed on the database's clock. */
    static final String NEXT_RUN_IN = """
            SELECT (extract(epoch FROM next.run_at - now()) * 1000000)::bigint
            FROM (%s) AS next(run_at)""".formatted(NEXT_RUN_AT);

    /**
     * Whether anything is claimable now, and how long until the earliest future run time, in one
     * read-only statement: what an idle worker's poll needs, for the price of one index probe per
     * priority instead of a claim and a look-up. Takes the queue six times as parameters.
     */
    static final String PROBE = """
            SELECT EXISTS (SELECT 1 FROM {tasks}
                           WHERE queue = ? AND status IN ('PENDING', 'FAILED') AND run_at <= now())
                   AND NOT EXISTS (SELECT 1 FROM {queues} q WHERE q.name = ? AND q.paused),
                   (extract(epoch FROM (%s) - now()) * 1000000)::bigint""".formatted(NEXT_RUN_AT);

    /** How long a probe's next run time stays the answer to the fetching thread's look-up that follows. */
    private static final long PROBE_ANSWER_NANOS = 100_000_000L;

    private final StorageJdbc db;

    private final String claimSql;

    private final String claimBelowSql;

    private final String probeSql;

    /** Notifications received per queue; a change since a worker's previous claim means "claim, do not probe". */
    private final Map<String, AtomicLong> wakeUps = new ConcurrentHashMap<>();

    /** What the fetching thread's previous claim found; fetching threads belong to one worker each. */
    private final ThreadLocal<Poll> polls = ThreadLocal.withInitial(Poll::new);

    private final String startedSql;

    private final String nextRunInSql;

    TaskClaimer(StorageJdbc db) {
        this.db = db;
        this.claimSql = db.names().expand(CLAIM);
        this.claimBelowSql = db.names().expand(CLAIM_BELOW);
        this.startedSql = db.names().expand(STARTED);
        this.nextRunInSql = db.names().expand(NEXT_RUN_IN);
        this.probeSql = db.names().expand(PROBE);
    }

    /**
     * A wake-up listener that first notes the notification for the queue, so that the next claim of an
     * idle worker goes straight to the claim instead of probing first.
     * @param queue the queue
     * @param listener the worker's listener
     * @return the listener to subscribe
     */
    Runnable noting(String queue, Runnable listener) {
        AtomicLong count = wakeUps.computeIfAbsent(queue, key -> new AtomicLong());
        return () -> {
            count.incrementAndGet();
            listener.run();
        };
    }

    List<Task> claim(ClaimRequest request) {
        if (request.max() <= 0) {
            return List.of();
        }
        if (request.priorityBelow().isPresent()) {
            // A busy worker's look for pushed tasks more urgent than those it holds: no poll, so it neither
            // probes first nor tells whether the queue ran dry.
            return send(request);
        }
        String queue = request.queue();
        Poll poll = polls.get();
        AtomicLong counter = wakeUps.get(queue);
        long wakes = (counter != null) ? counter.get() : 0;
        boolean runTimeCame = poll.runTimeCame(System.nanoTime());
        boolean probeFirst = poll.shortClaim && queue.equals(poll.queue) && request.workerId().equals(poll.worker)
                && wakes == poll.wakes && !runTimeCame;
        poll.queue = queue;
        poll.worker = request.workerId();
        poll.wakes = wakes;
        poll.answeredAt = 0;
        if (probeFirst && !probe(queue, poll)) {
            return List.of();
        }
        List<Task> tasks = send(request);
        poll.shortClaim = tasks.size() < request.max();
        return tasks;
    }

    /** Sends the claim statement, bounded by priority if the request is, and returns its tasks in claim order. */
    private List<Task> send(ClaimRequest request) {
        String queue = request.queue();
        OptionalInt below = request.priorityBelow();
        List<Task> tasks = db.jdbc().query(connection -> {
            PreparedStatement ps = connection.prepareStatement(below.isPresent() ? claimBelowSql : claimSql);
            int index = 1;
            ps.setString(index++, queue);
            if (below.isPresent()) {
                ps.setInt(index++, below.getAsInt());
            }
            ps.setString(index++, queue);
            ps.setInt(index++, request.max());
            ps.setInt(index++, request.startingNow());
            ps.setInt(index++, request.maxAttempts());
            ps.setString(index, request.workerId());
            return ps;
        }, (ResultSetExtractor<List<Task>>) rs -> read(rs, queue, request.max()));
        if (tasks == null) {
            return List.of();
        }
        if (tasks.size() > 1) {
            tasks.sort(TaskRows.CLAIM_ORDER);
        }
        return tasks;
    }

    /**
     * Whether the queue has claimable tasks; when not, keeps the next run time for the look-up the
     * fetching thread makes next.
     */
    private boolean probe(String queue, Poll poll) {
        Boolean due = db.jdbc().query(probeSql, rs -> {
            rs.next();
            boolean any = rs.getBoolean(1);
            long micros = rs.getLong(2);
            poll.nextRunInMicros = rs.wasNull() ? null : micros;
            return any;
        }, queue, queue, queue, queue, queue, queue);
        if (Boolean.TRUE.equals(due)) {
            return true;
        }
        poll.answeredAt = System.nanoTime();
        return false;
    }

    void started(String workerId, Collection<TaskId> ids) {
        if (ids.isEmpty()) {
            return;
        }
        db.jdbc().update(connection -> {
            PreparedStatement ps = connection.prepareStatement(startedSql);
            ps.setArray(1, SqlArrays.ids(connection, ids));
            ps.setString(2, workerId);
            return ps;
        });
    }

    Optional<Duration> nextRunIn(String queue) {
        Poll poll = polls.get();
        Optional<Duration> next = lookUp(queue, poll);
        if (next.isPresent() && queue.equals(poll.queue)) {
            poll.reported(System.nanoTime() + next.get().toNanos());
        }
        return next;
    }

    /** The time until the queue's next run time: the probe's answer if it was just given, or else the database's. */
    private Optional<Duration> lookUp(String queue, Poll poll) {
        long answeredAt = poll.answeredAt;
        poll.answeredAt = 0;
        if (answeredAt != 0 && queue.equals(poll.queue) && System.nanoTime() - answeredAt < PROBE_ANSWER_NANOS) {
            Long probed = poll.nextRunInMicros;
            if (probed == null) {
                return Optional.empty();
            }
            long left = probed - (System.nanoTime() - answeredAt) / 1000;
            return Optional.of(Duration.ofNanos(Math.max(0, left) * 1000));
        }
        Long micros = db.jdbc().query(nextRunInSql, rs -> {
            if (!rs.next()) {
                return null;
            }
            long value = rs.getLong(1);
            return rs.wasNull() ? null : value;
        }, queue, queue, queue, queue);
        return (micros != null) ? Optional.of(Duration.ofNanos(Math.max(0, micros) * 1000)) : Optional.empty();
    }

    private static List<Task> read(ResultSet rs, String queue, int max) throws SQLException {
        List<Task> tasks = new ArrayList<>(Math.min(max, 256));
        while (rs.next()) {
            tasks.add(new Task(new TaskId(rs.getObject(1, UUID.class)), queue, rs.getString(2), TaskStatus.RUNNING,
                    rs.getInt(3), rs.getInt(4), rs.getInt(5), TaskRows.instant(rs, 6), rs.getString(7), rs.getString(8),
                    TaskRows.metadata(rs.getString(9)), TaskRows.instant(rs, 10), null));
        }
        return tasks;
    }

    /** The state of one fetching thread between its claims. */
    private static final class Poll {

        /** The queue of its previous claim. */
        String queue;

        /** The worker of its previous claim. */
        String worker;

        /** Whether its previous claim returned fewer tasks than asked. */
        boolean shortClaim;

        /** The queue's notification count when it last claimed or probed. */
        long wakes;

        /** When a probe found nothing claimable ({@link System#nanoTime()}), 0 when not answered. */
        long answeredAt;

        /** The probe's time until the next run time, {@code null} for none. */
        Long nextRunInMicros;

        /**
         * When ({@link System#nanoTime()}) the earliest run time reported to the thread comes, if
         * {@code runTimeReported}.
         */
        long runTimeAt;

        /** Whether a look-up reported a run time that no claim sent since has reached. */
        boolean runTimeReported;

        /** Keeps a reported run time, unless an earlier one is still to come. */
        void reported(long at) {
            if (!runTimeReported || at - runTimeAt < 0) {
                runTimeAt = at;
                runTimeReported = true;
            }
        }

        /** Whether a claim sent now reaches the reported run time; that claim covers it, so it is then forgotten. */
        boolean runTimeCame(long now) {
            boolean came = runTimeReported && now - runTimeAt >= 0;
            runTimeReported = runTimeReported && !came;
            return came;
        }
    }
}
