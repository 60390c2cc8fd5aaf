package dev.apalis.test;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives a test class its own database on the shared test server (see {@link TestPostgres}): test
 * methods, constructors and lifecycle methods may declare a {@link TestPostgres.Database} or a
 * {@link DataSource} parameter (a pool of 20 connections on it, closed after the class).
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(PostgresDatabase.Extension.class)
public @interface PostgresDatabase {

    /** Resolves the parameters; one database and one pool per test class. */
    final class Extension implements ParameterResolver {

        private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace
            .create(PostgresDatabase.class);

        @Override
        public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
            Class<?> type = parameter.getParameter().getType();
            return type == TestPostgres.Database.class || type == DataSource.class;
        }

        @Override
        public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
            ExtensionContext classContext = classContext(context);
            ExtensionContext.Store store = classContext.getStore(NAMESPACE);
            TestPostgres.Database database = store.computeIfAbsent(TestPostgres.Database.class,
                    key -> TestPostgres.createDatabase(classContext.getRequiredTestClass().getSimpleName()),
                    TestPostgres.Database.class);
            if (parameter.getParameter().getType() == TestPostgres.Database.class) {
                return database;
            }
            return store.computeIfAbsent(ClosablePool.class, key -> new ClosablePool(database.newDataSource(20)),
                    ClosablePool.class).pool();
        }

        private static ExtensionContext classContext(ExtensionContext context) {
            ExtensionContext current = context;
            while (current.getTestMethod().isPresent() && current.getParent().isPresent()) {
                current = current.getParent().get();
            }
            return current;
        }
    }

    /** Closes the pool when the class's store is closed. */
    record ClosablePool(HikariDataSource pool) implements AutoCloseable {

        @Override
        public void close() {
            pool.close();
        }
    }
}
