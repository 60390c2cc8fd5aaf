package dev.apalis.backend.postgres;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

import javax.sql.DataSource;

import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.CannotGetJdbcConnectionException;
import org.springframework.jdbc.UncategorizedSQLException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.PreparedStatementCreator;
import org.springframework.jdbc.core.ResultSetExtractor;
import org.springframework.jdbc.core.RowCallbackHandler;
import org.springframework.jdbc.datasource.ConnectionHolder;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionCallback;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * What the parts of a storage share to reach the database: a {@link JdbcTemplate} (which joins a
 * Spring transaction of the caller on the same data source), a template for transactions that are the
 * storage's own (pushes outside a transaction, maintenance, schema), the test of whether the caller
 * holds a transaction to join, and the validated names.
 */
final class StorageJdbc {

    private static final String TRY_LOCK = "SELECT pg_try_advisory_xact_lock(hashtextextended(?, 0))";

    private static final String LOCK = "SELECT pg_advisory_xact_lock(hashtextextended(?, 0))";

    private final DataSource dataSource;

    private final JdbcTemplate jdbc;

    private final TransactionTemplate ownTransaction;

    private final SchemaNames names;

    StorageJdbc(DataSource dataSource, SchemaNames names) {
        this.dataSource = dataSource;
        this.names = names;
        this.jdbc = new JdbcTemplate(dataSource);
        DataSourceTransactionManager transactionManager = new DataSourceTransactionManager(dataSource);
        TransactionTemplate own = new TransactionTemplate(transactionManager);
        own.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
        this.ownTransaction = own;
    }

    DataSource dataSource() {
        return dataSource;
    }

    JdbcTemplate jdbc() {
        return jdbc;
    }

    /** Runs work in a new transaction of the storage's own, never in the caller's. */
    TransactionTemplate ownTransaction() {
        return ownTransaction;
    }

    /**
     * Runs work of several statements all or nothing: in the caller's transaction on this data source
     * when there is one ({@link #inCallerTransaction()}), else in a transaction of the storage's own.
     * @param work what to run
     * @return what the work returned
     */
    <T> T inTransaction(TransactionCallback<T> work) {
        return inCallerTransaction() ? work.doInTransaction(null) : ownTransaction.execute(work);
    }

    /**
     * Whether the calling thread holds a transaction on this data source that work must join: a
     * connection bound to the thread for this data source (by whatever transaction manager: JDBC, JPA,
     * JTA with a bound connection, ...) and not in auto-commit mode. The {@link #jdbc() JdbcTemplate}
     * then runs on that connection, and what it does commits or rolls back with the caller. The
     * connection's state is the truth here, not a transaction manager's bookkeeping: a private
     * {@code DataSourceTransactionManager} does not see a JPA transaction as existing.
     * @return {@code true} to join the caller's transaction; {@code false} when the work needs a
     * transaction of its own (no transaction, or one on another data source only)
     * @throws IllegalStateException if the caller's transaction on this data source is read-only
     */
    boolean inCallerTransaction() {
        if (!(TransactionSynchronizationManager.getResource(dataSource) instanceof ConnectionHolder)) {
            return false;
        }
        Connection connection = DataSourceUtils.getConnection(dataSource);
        try {
            if (connection.getAutoCommit()) {
                return false;
            }
            if (connection.isReadOnly() || TransactionSynchronizationManager.isCurrentTransactionReadOnly()) {
                throw new IllegalStateException("Cannot push tasks inside a read-only transaction: PostgreSQL refuses "
                        + "to write in it. Push from a read-write transaction (for example @Transactional without "
                        + "readOnly = true), or outside any transaction, where each push commits on its own.");
            }
            return true;
        }
        catch (SQLException ex) {
            throw new CannotGetJdbcConnectionException("Could not read the state of the transaction's connection", ex);
        }
        finally {
            DataSourceUtils.releaseConnection(connection, dataSource);
        }
    }

    /**
     * Runs one query on a connection of its own, committed at once: in auto-commit mode, or followed by
     * a commit where the pool hands out connections that are not. For a statement that must not join the
     * caller's transaction and needs no second one to be all or nothing; it costs one round trip less than
     * {@link #ownTransaction()}, and plain JDBC on the pool's connection costs less than a template of its
     * own. Errors are translated as the {@link #jdbc() JdbcTemplate} translates them.
     * @param statement creates the statement on the connection
     * @param rows reads each row of the result
     */
    void ownStatement(PreparedStatementCreator statement, RowCallbackHandler rows) {
        Connection connection;
        try {
            connection = dataSource.getConnection();
        }
        catch (SQLException ex) {
            throw new CannotGetJdbcConnectionException("Failed to obtain JDBC Connection", ex);
        }
        boolean autoCommit = true;
        try {
            autoCommit = connection.getAutoCommit();
            try (PreparedStatement prepared = statement.createPreparedStatement(connection);
                    ResultSet result = prepared.executeQuery()) {
                while (result.next()) {
                    rows.processRow(result);
                }
            }
            if (!autoCommit) {
                connection.commit();
            }
        }
        catch (SQLException ex) {
            rollback(connection, autoCommit, ex);
            DataAccessException translated = jdbc.getExceptionTranslator().translate("Statement of its own", null, ex);
            throw (translated != null) ? translated : new UncategorizedSQLException("Statement of its own", null, ex);
        }
        catch (RuntimeException | Error ex) {
            rollback(connection, autoCommit, ex);
            throw ex;
        }
        finally {
            DataSourceUtils.releaseConnection(connection, null);
        }
    }

    private static void rollback(Connection connection, boolean autoCommit, Throwable failure) {
        if (!autoCommit) {
            try {
                connection.rollback();
            }
            catch (SQLException | RuntimeException rollback) {
                failure.addSuppressed(rollback);
            }
        }
    }

    SchemaNames names() {
        return names;
    }

    /**
     * Takes a transaction-scoped advisory lock of this schema if no other session holds it; call
     * inside {@link #ownTransaction()}.
     * @param purpose what the lock guards
     * @return whether this transaction now holds it
     */
    boolean tryTransactionLock(String purpose) {
        Boolean locked = jdbc.queryForObject(TRY_LOCK, Boolean.class, names.lockKey(purpose));
        return Boolean.TRUE.equals(locked);
    }

    /**
     * Waits for a transaction-scoped advisory lock of this schema; call inside {@link #ownTransaction()}.
     * @param purpose what the lock guards
     */
    void transactionLock(String purpose) {
        jdbc.query(LOCK, (ResultSetExtractor<Void>) rs -> null, names.lockKey(purpose));
    }
}
