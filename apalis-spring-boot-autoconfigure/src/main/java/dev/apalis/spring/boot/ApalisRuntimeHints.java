package dev.apalis.spring.boot;

import org.jspecify.annotations.Nullable;

import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;

/**
 * The resources Apalis reads at run time, for AOT processing and native images: the PostgreSQL schema
 * scripts that {@code PostgresStorage} applies at start-up. (Handler methods and payload types are
 * registered by {@link TaskHandlerAotProcessor}.) Registered in {@code META-INF/spring/aot.factories}.
 */
final class ApalisRuntimeHints implements RuntimeHintsRegistrar {

    static final String SCHEMA_SCRIPTS = "dev/apalis/backend/postgres/schema-v*.sql";

    @Override
    public void registerHints(RuntimeHints hints, @Nullable ClassLoader classLoader) {
        hints.resources().registerPattern(SCHEMA_SCRIPTS);
    }
}
