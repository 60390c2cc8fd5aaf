package dev.apalis.backend.postgres;

import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.PreparedStatementCreator;
import org.springframework.jdbc.core.RowCallbackHandler;

import dev.apalis.task.NewTask;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskOptions;

/**
 * Inserts tasks: a whole batch in one statement (rows as array parameters), announced to workers by
 * the {@link PushNotifier} once committed. Tasks with a unique key that an unfinished task of the same queue already holds
 * are skipped by {@code ON CONFLICT ... DO NOTHING}; a second statement, run only then, finds the
 * holders' ids (in a new snapshot, so it sees holders that committed while the insert waited for
 * them). A push is all or nothing.
 * <p>
 * Where it runs: when the caller holds a transaction on the storage's data source, whatever
 * transaction manager began it ({@link StorageJdbc#inCallerTransaction()}), everything runs in it
 * through the {@code JdbcTemplate}, commits or rolls back with it, and workers are only woken if it
 * commits; nothing here commits or rolls back what the caller began. Otherwise the push gets a short
 * transaction of its own (without unique keys, one insert committed by itself); single pushes without a
 * unique key are then handed to the {@link GroupInserter}, which stores concurrent ones together. A
 * single push with a unique key is stored on its caller's thread: its insert may wait for another
 * transaction that holds the key, and must not hold up the pushes of other callers meanwhile.
 */
final class TaskPusher {

    /** How often a push retries unique keys whose holder finished between its insert and its look-up. */
    private static final int MAX_UNIQUE_ROUNDS = 5;

    private static final String INSERT = """
            WITH input AS (
                SELECT * FROM unnest(?::uuid[], ?::text[], ?::text[], ?::int4[], ?::int4[], ?::text[]::timestamptz[],
                                     ?::int8[], ?::text[], ?::text[])
                    WITH ORDINALITY AS i(id, queue, payload, max_attempts, priority, run_at, delay_micros,
                                         unique_key, metadata, ord)
            ), inserted AS (
                INSERT INTO {tasks} (id, queue, payload, status, max_attempts, priority, run_at, unique_key, metadata)
                SELECT id, queue, payload::jsonb,
                       %s,
                       max_attempts, priority,
                       coalesce(run_at, now() + coalesce(delay_micros, 0) * interval '1 microsecond'),
                       unique_key, metadata::jsonb
                FROM input
                ORDER BY ord
                ON CONFLICT (queue, unique_key) WHERE unique_key IS NOT NULL AND status NOT IN ('DONE', 'KILLED')
                DO NOTHING
                RETURNING id, queue
            )""".formatted(StoredStatus.waiting(
            "coalesce(run_at, now() + coalesce(delay_micros, 0) * interval '1 microsecond')", "'PENDING'"));

    /** The conflict clause of {@link #INSERT}; left out when no task of the statement has a unique key. */
    private static final String ON_CONFLICT = """
                ON CONFLICT (queue, unique_key) WHERE unique_key IS NOT NULL AND status NOT IN ('DONE', 'KILLED')
                DO NOTHING
            """;

    /**
     * {@link #INSERT} without the conflict clause, for tasks without unique keys (which never conflict):
     * a plain insert costs PostgreSQL less than the speculative insertion {@code ON CONFLICT} makes of
     * every row.
     */
    private static final String INSERT_WITHOUT_KEYS = without(INSERT, ON_CONFLICT);

    private static final String SELECT_INSERTED = """

            SELECT id FROM inserted""";

    /**
     * The same, announcing the queues in the same statement: for the group insert, which stores one batch
     * at a time, so that its own commits never queue behind each other on PostgreSQL's notification lock.
     */
    private static final String SELECT_INSERTED_AND_NOTIFY = """

            SELECT id FROM inserted
            CROSS JOIN (SELECT count(pg_notify(?, q.queue)) FROM unnest(?::text[]) AS q(queue)) AS announced""";

    private static final String FIND_UNIQUE = """
            SELECT t.queue, t.unique_key, t.id
            FROM {tasks} t
            JOIN unnest(?::text[], ?::text[]) AS k(queue, unique_key)
              ON t.queue = k.queue AND t.unique_key = k.unique_key
            WHERE t.unique_key IS NOT NULL AND t.status NOT IN ('DONE', 'KILLED')""";

    private final StorageJdbc db;

    private final String insertSql;

    private final String insertAndNotifySql;

    private final String insertWithoutKeysSql;

    private final String insertWithoutKeysAndNotifySql;

    private final String findUniqueSql;

    private final PushNotifier notifier;

    private final GroupInserter inserter;

    /**
     * @param db the storage's database access
     * @param notifier announces pushes, or {@code null} when notifications are off
     * @param groupInsert whether single pushes outside a transaction are stored together
     */
    TaskPusher(StorageJdbc db, PushNotifier notifier, boolean groupInsert) {
        this.db = db;
        this.insertSql = db.names().expand(INSERT + SELECT_INSERTED);
        this.insertAndNotifySql = db.names().expand(INSERT + SELECT_INSERTED_AND_NOTIFY);
        this.insertWithoutKeysSql = db.names().expand(INSERT_WITHOUT_KEYS + SELECT_INSERTED);
        this.insertWithoutKeysAndNotifySql = db.names().expand(INSERT_WITHOUT_KEYS + SELECT_INSERTED_AND_NOTIFY);
        this.findUniqueSql = db.names().expand(FIND_UNIQUE);
        this.notifier = notifier;
        this.inserter = groupInsert ? new GroupInserter(this::pushGroup, db.names().schema()) : null;
    }

    List<TaskId> pushAll(List<NewTask> tasks) {
        if (tasks.isEmpty()) {
            return List.of();
        }
        for (NewTask task : tasks) {
            PushInput.validate(task);
        }
        if (db.inCallerTransaction()) {
            List<TaskId> ids = push(tasks, db.jdbc()::query, false);
            announce(tasks, true);
            return ids;
        }
        if (inserter != null && tasks.size() == 1 && tasks.get(0).options().uniqueKey() == null) {
            TaskId id = inserter.push(tasks.get(0));
            if (id != null) {
                return List.of(id);
            }
        }
        return pushInOwnTransaction(tasks);
    }

    /**
     * Stores tasks in a transaction of the storage's own (never the caller's), then announces them:
     * without unique keys the insert is one statement, committed by itself; with unique keys it may
     * take more, run in one transaction.
     */
    private List<TaskId> pushInOwnTransaction(List<NewTask> tasks) {
        List<TaskId> ids = store(tasks, false);
        announce(tasks, false);
        return ids;
    }

    /**
     * Stores a batch of the group insert in a transaction of the storage's own, its wake-up sent by the
     * insert itself (delivered when it commits): one statement per batch instead of two.
     */
    private List<TaskId> pushGroup(List<NewTask> tasks) {
        return store(tasks, notifier != null);
    }

    private List<TaskId> store(List<NewTask> tasks, boolean notify) {
        boolean unique = false;
        for (NewTask task : tasks) {
            unique = unique || task.options().uniqueKey() != null;
        }
        return unique ? db.ownTransaction().execute(status -> push(tasks, db.jdbc()::query, notify))
                : push(tasks, db::ownStatement, notify);
    }

    private void announce(List<NewTask> tasks, boolean inCallerTransaction) {
        if (notifier != null) {
            Set<String> queues = new HashSet<>();
            for (NewTask task : tasks) {
                queues.add(task.queue());
            }
            notifier.pushed(queues, inCallerTransaction);
        }
    }

    /** Stores the single pushes handed over so far; later ones run on the caller's thread. */
    void close() {
        if (inserter != null) {
            inserter.close();
        }
    }

    private List<TaskId> push(List<NewTask> tasks, Queries jdbc, boolean notify) {
        int count = tasks.size();
        TaskId[] ids = new TaskId[count];
        for (int i = 0; i < count; i++) {
            ids[i] = TaskId.next();
        }
        List<Integer> waiting = inLockOrder(tasks);
        for (int round = 1; ; round++) {
            Set<UUID> inserted = insert(jdbc, tasks, ids, waiting, notify);
            List<Integer> skipped = new ArrayList<>();
            for (int i : waiting) {
                if (!inserted.contains(ids[i].value())) {
                    skipped.add(i);
                }
            }
            if (skipped.isEmpty()) {
                break;
            }
            waiting = findHolders(jdbc, tasks, ids, skipped);
            if (waiting.isEmpty()) {
                break;
            }
            if (round == MAX_UNIQUE_ROUNDS) {
                throw new IllegalStateException("Could not push " + waiting.size() + " task(s) with unique keys after "
                        + round + " tries: each time the task holding the key finished between the insert and the "
                        + "look-up. Push again.");
            }
            for (int i : waiting) {
                ids[i] = TaskId.next();
            }
        }
        return List.of(ids);
    }

    /** Inserts the tasks at the given indexes, and notifies their queues if asked; returns the ids actually inserted. */
    private Set<UUID> insert(Queries jdbc, List<NewTask> tasks, TaskId[] ids, List<Integer> indexes,
            boolean notify) {
        int n = indexes.size();
        boolean keys = false;
        UUID[] idValues = new UUID[n];
        String[] queues = new String[n];
        String[] payloads = new String[n];
        Integer[] maxAttempts = new Integer[n];
        Integer[] priorities = new Integer[n];
        String[] runAts = new String[n];
        Long[] delays = new Long[n];
        String[] uniqueKeys = new String[n];
        String[] metadata = new String[n];
        for (int k = 0; k < n; k++) {
            int i = indexes.get(k);
            NewTask task = tasks.get(i);
            TaskOptions options = task.options();
            idValues[k] = ids[i].value();
            queues[k] = task.queue();
            payloads[k] = task.payload();
            maxAttempts[k] = options.maxAttempts();
            priorities[k] = options.priority();
            runAts[k] = TaskRows.timestamp(options.runAt());
            delays[k] = (options.runAt() == null) ? micros(options.delay()) : null;
            uniqueKeys[k] = options.uniqueKey();
            keys = keys || uniqueKeys[k] != null;
            metadata[k] = TaskRows.metadataJson(options.metadata());
        }
        Set<UUID> inserted = new HashSet<>(n * 2);
        String sql = keys ? (notify ? insertAndNotifySql : insertSql)
                : (notify ? insertWithoutKeysAndNotifySql : insertWithoutKeysSql);
        try {
            jdbc.query(connection -> {
                PreparedStatement ps = connection.prepareStatement(sql);
                ps.setArray(1, SqlArrays.uuids(connection, idValues));
                ps.setArray(2, SqlArrays.texts(connection, queues));
                ps.setArray(3, SqlArrays.texts(connection, payloads));
                ps.setArray(4, SqlArrays.ints(connection, maxAttempts));
                ps.setArray(5, SqlArrays.ints(connection, priorities));
                ps.setArray(6, SqlArrays.texts(connection, runAts));
                ps.setArray(7, SqlArrays.longs(connection, delays));
                ps.setArray(8, SqlArrays.texts(connection, uniqueKeys));
                ps.setArray(9, SqlArrays.texts(connection, metadata));
                if (notify) {
                    ps.setString(10, db.names().channel());
                    ps.setArray(11, SqlArrays.texts(connection, distinct(queues)));
                }
                return ps;
            }, rs -> {
                inserted.add(rs.getObject(1, UUID.class));
            });
        }
        catch (DataAccessException ex) {
            throw PushInput.refusal(ex, tasks, indexes);
        }
        return inserted;
    }

    /**
     * Sets the ids of skipped tasks to those of the unfinished tasks holding their unique keys.
     * @return the indexes whose key no unfinished task holds any more (to insert again)
     */
    private List<Integer> findHolders(Queries jdbc, List<NewTask> tasks, TaskId[] ids, List<Integer> skipped) {
        String[] queues = new String[skipped.size()];
        String[] keys = new String[skipped.size()];
        for (int k = 0; k < skipped.size(); k++) {
            NewTask task = tasks.get(skipped.get(k));
            queues[k] = task.queue();
            keys[k] = task.options().uniqueKey();
        }
        Map<String, TaskId> holders = new HashMap<>();
        jdbc.query(connection -> {
            PreparedStatement ps = connection.prepareStatement(findUniqueSql);
            ps.setArray(1, SqlArrays.texts(connection, queues));
            ps.setArray(2, SqlArrays.texts(connection, keys));
            return ps;
        }, rs -> {
            holders.put(uniqueKey(rs.getString(1), rs.getString(2)), new TaskId(rs.getObject(3, UUID.class)));
        });
        List<Integer> again = new ArrayList<>();
        for (int i : skipped) {
            NewTask task = tasks.get(i);
            TaskId holder = holders.get(uniqueKey(task.queue(), task.options().uniqueKey()));
            if (holder != null) {
                ids[i] = holder;
            }
            else {
                again.add(i);
            }
        }
        return again;
    }

    private static String without(String sql, String clause) {
        if (!sql.contains(clause)) {
            throw new IllegalStateException("The insert statement lost its conflict clause");
        }
        return sql.replace(clause, "");
    }

    private static String[] distinct(String[] queues) {
        return (queues.length == 1) ? queues : new LinkedHashSet<>(List.of(queues)).toArray(String[]::new);
    }

    private static Long micros(Duration delay) {
        if (delay == null || delay.isZero()) {
            return null;
        }
        try {
            return Math.addExact(Math.multiplyExact(delay.getSeconds(), 1_000_000L), delay.getNano() / 1_000L);
        }
        catch (ArithmeticException ex) {
            throw new IllegalArgumentException("Delay " + delay + " is too long; use runAt(..) for a far-off time", ex);
        }
    }

    private static String uniqueKey(String queue, String key) {
        return queue + '\0' + key;
    }

    /**
     * The indexes of the tasks, those with unique keys last and sorted by queue and key: every push
     * takes the unique index's locks in that one order, so that two pushes of the same keys (two
     * group inserts, two nodes) wait for each other instead of deadlocking.
     */
    private static List<Integer> inLockOrder(List<NewTask> tasks) {
        List<Integer> all = new ArrayList<>(tasks.size());
        boolean unique = false;
        for (int i = 0; i < tasks.size(); i++) {
            all.add(i);
            unique = unique || tasks.get(i).options().uniqueKey() != null;
        }
        if (unique) {
            all.sort(Comparator.comparing((Integer i) -> tasks.get(i).options().uniqueKey() != null)
                .thenComparing((i) -> tasks.get(i).queue())
                .thenComparing((i) -> Objects.toString(tasks.get(i).options().uniqueKey(), "")));
        }
        return all;
    }

    /**
     * Where a push's statements run: the {@code JdbcTemplate}, in the caller's transaction or one of the
     * storage's own, or {@link StorageJdbc#ownStatement} for an insert committed by itself.
     */
    @FunctionalInterface
    private interface Queries {

        void query(PreparedStatementCreator statement, RowCallbackHandler rows);
    }
}
