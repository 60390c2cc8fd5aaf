package dev.apalis.reliability;

import java.util.function.Consumer;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

import dev.apalis.test.TestPostgres;

/**
 * Connection pools on a test database, sized and tuned per scenario.
 */
final class Pools {

    private Pools() {
    }

    /**
     * A Hikari pool.
     * @param database the database
     * @param size the most connections
     * @param connectionTimeoutMillis how long {@code getConnection()} waits for one
     * @param more further settings
     * @return the pool, started
     */
    static HikariDataSource create(TestPostgres.Database database, int size, long connectionTimeoutMillis,
            Consumer<HikariConfig> more) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(database.jdbcUrl());
        config.setUsername(database.username());
        config.setPassword(database.password());
        config.setMaximumPoolSize(size);
        config.setConnectionTimeout(connectionTimeoutMillis);
        more.accept(config);
        return new HikariDataSource(config);
    }

    static HikariDataSource create(TestPostgres.Database database, int size, long connectionTimeoutMillis) {
        return create(database, size, connectionTimeoutMillis, config -> {
        });
    }
}
