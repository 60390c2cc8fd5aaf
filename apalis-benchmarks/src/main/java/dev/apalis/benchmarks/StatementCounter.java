package dev.apalis.benchmarks;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

import javax.sql.DataSource;

/**
 * Counts the statements an application sends through a {@link DataSource}, by kind: wraps it so that
 * every {@code prepareStatement}, {@code prepareCall} and plain statement execution is counted under a
 * short name derived from its SQL ({@link #kind(String)}), and every explicit {@code commit}. For the
 * diagnosis modes only: the proxies cost a few hundred nanoseconds per call.
 */
public final class StatementCounter {

    private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();

    private final LongAdder commits = new LongAdder();

    /** The kind of each statement text seen, so that a statement sent again costs a look-up only. */
    private final Map<String, LongAdder> bySql = new ConcurrentHashMap<>();

    /**
     * The data source, counted.
     * @param target the data source to count
     * @return a data source that counts and delegates
     */
    public DataSource wrap(DataSource target) {
        return proxy(DataSource.class, target, (method, args, result) -> (result instanceof Connection connection)
                ? connection(connection) : result);
    }

    /**
     * The counts so far by kind, sorted by kind.
     * @return kind to count
     */
    public Map<String, Long> snapshot() {
        Map<String, Long> copy = new TreeMap<>();
        counts.forEach((kind, count) -> copy.put(kind, count.sum()));
        copy.put("(commit)", commits.sum());
        return copy;
    }

    private Connection connection(Connection target) {
        return proxy(Connection.class, target, (method, args, result) -> {
            String name = method.getName();
            if ((name.equals("prepareStatement") || name.equals("prepareCall")) && args != null
                    && args[0] instanceof String sql) {
                count(sql);
            }
            else if (name.equals("commit")) {
                commits.increment();
            }
            else if (name.equals("createStatement") && result instanceof java.sql.Statement statement) {
                return plainStatement(statement);
            }
            return result;
        });
    }

    private java.sql.Statement plainStatement(java.sql.Statement target) {
        return proxy(java.sql.Statement.class, target, (method, args, result) -> {
            if (method.getName().startsWith("execute") && args != null && args.length > 0
                    && args[0] instanceof String sql) {
                count(sql);
            }
            return result;
        });
    }

    private void count(String sql) {
        bySql.computeIfAbsent(sql, text -> counts.computeIfAbsent(kind(text), key -> new LongAdder())).increment();
    }

    /**
     * A short name for a statement: its first keyword and the first table or function it names, enough
     * to tell this project's statements apart.
     * @param sql the statement
     * @return its kind
     */
    static String kind(String sql) {
        String flat = sql.replaceAll("\\s+", " ").trim();
        String upper = flat.toUpperCase(java.util.Locale.ROOT);
        if (upper.contains("INSERT INTO")) {
            return upper.contains("PG_NOTIFY") ? "INSERT and notify" : "INSERT";
        }
        if (upper.contains("PG_NOTIFY")) {
            return "notify";
        }
        if (upper.contains("ADVISORY")) {
            return "advisory lock";
        }
        if (upper.startsWith("WITH LOCKED AS")) {
            return "claim";
        }
        if (upper.contains("EXTRACT(EPOCH FROM NEXT.RUN_AT")) {
            return "next run in";
        }
        return flat.substring(0, Math.min(60, flat.length()));
    }

    @FunctionalInterface
    private interface After {

        Object apply(Method method, Object[] args, Object result) throws Exception;
    }

    private static <T> T proxy(Class<T> type, T target, After after) {
        InvocationHandler handler = (proxy, method, args) -> {
            Object result;
            try {
                result = method.invoke(target, args);
            }
            catch (InvocationTargetException ex) {
                throw ex.getCause();
            }
            if (method.getName().equals("unwrap") || method.getName().equals("isWrapperFor")) {
                return result;
            }
            return after.apply(method, args, result);
        };
        return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] { type }, handler));
    }
}
