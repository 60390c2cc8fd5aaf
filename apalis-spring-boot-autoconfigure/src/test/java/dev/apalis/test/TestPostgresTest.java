package dev.apalis.test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

import javax.sql.DataSource;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

@PostgresDatabase
class TestPostgresTest {

    @Test
    void givesEachClassItsOwnDatabaseOnARealServer(DataSource dataSource, TestPostgres.Database database)
            throws Exception {
        try (Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery("select current_database(), current_setting('server_version_num')::int")) {
            assertThat(rs.next()).isTrue();
            assertThat(database.jdbcUrl()).contains(rs.getString(1));
            assertThat(rs.getString(1)).startsWith("apalis_testpostgrestest");
            assertThat(rs.getInt(2)).isGreaterThanOrEqualTo(150000);
        }
    }
}
