package dev.apalis.backend.postgres;

import javax.sql.DataSource;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.ResultSetExtractor;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * What the parts of a storage share to reach the database: a {@link JdbcTemplate} (which joins a
 * Spring transaction of the caller on the same data source), templates for transactions that join the
 * caller's or are the storage's own (maintenance, schema), and the validated names.
 */
final class StorageJdbc {

    private static final String TRY_LOCK = "SELECT pg_try_advisory_xact_lock(hashtextextended(?, 0))";

    private static final String LOCK = "SELECT pg_advisory_xact_lock(hashtextextended(?, 0))";

    private final DataSource dataSource;

    private final JdbcTemplate jdbc;

    private final TransactionTemplate ownTransaction;

    private final TransactionTemplate sharedTransaction;

    private final SchemaNames names;

    StorageJdbc(DataSource dataSource, SchemaNames names) {
        this.dataSource = dataSource;
        this.names = names;
        this.jdbc = new JdbcTemplate(dataSource);
        DataSourceTransactionManager transactionManager = new DataSourceTransactionManager(dataSource);
        TransactionTemplate own = new TransactionTemplate(transactionManager);
        own.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
        this.ownTransaction = own;
        this.sharedTransaction = new TransactionTemplate(transactionManager);
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
     * Runs work in the caller's Spring transaction on this data source if there is one, else in a new
     * one: for work of several statements that must be all or nothing.
     */
    TransactionTemplate sharedTransaction() {
        return sharedTransaction;
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
