package dev.apalis.backend.postgres;

import javax.sql.DataSource;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.ResultSetExtractor;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * What the parts of a storage share to reach the database: a {@link JdbcTemplate} (which joins a
 * Spring transaction of the caller on the same data source), a template for transactions of the
 * storage's own (maintenance, schema), and the validated names.
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
        TransactionTemplate template = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
        template.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
        this.ownTransaction = template;
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
