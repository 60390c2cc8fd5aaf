package dev.apalis.backend.postgres;

import javax.sql.DataSource;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import dev.apalis.backend.TaskManagementContract;
import dev.apalis.test.PostgresDatabase;

/**
 * {@link PostgresStorage} keeps the {@link dev.apalis.backend.TaskManagement} contract; the other node
 * is a second storage on the same schema.
 */
@PostgresDatabase
class PostgresTaskManagementTest extends TaskManagementContract<PostgresStorage> {

    private static PostgresStorage storage;

    private static PostgresStorage other;

    @BeforeAll
    static void createStorages(DataSource dataSource) {
        storage = PostgresStorage.builder(dataSource).schema("manage").maintenance(false).build();
        other = PostgresStorage.builder(dataSource).schema("manage").maintenance(false).build();
    }

    @AfterAll
    static void closeStorages() {
        storage.close();
        other.close();
    }

    @Override
    protected PostgresStorage storage() {
        return storage;
    }

    @Override
    protected PostgresStorage otherNode() {
        return other;
    }
}
