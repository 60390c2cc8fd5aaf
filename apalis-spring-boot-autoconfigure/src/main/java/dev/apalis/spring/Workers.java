package dev.apalis.spring;

import java.util.List;
import java.util.Optional;

import dev.apalis.worker.WorkerContext;

/**
 * The workers of the application, by name: their definitions, and the contexts of the ones that
 * run, to pause, resume or inspect them from code.
 * <pre>{@code
 * workers.get("email").pause();
 * }</pre>
 * Thread-safe. A worker that is disabled, or not started yet, has a definition but no context.
 */
public interface Workers {

    /**
     * Every worker the application defines, enabled or not, sorted by name.
     * @return the definitions
     */
    List<WorkerDefinition> definitions();

    /**
     * The definition of one worker.
     * @param name the worker's name
     * @return its definition, or empty if no handler defines it
     */
    Optional<WorkerDefinition> definition(String name);

    /**
     * The context of a worker that was started (it may have stopped since).
     * @param name the worker's name
     * @return its context, or empty if it is unknown, disabled or not started
     */
    Optional<WorkerContext> find(String name);

    /**
     * The context of a worker that was started.
     * @param name the worker's name
     * @return its context
     * @throws java.util.NoSuchElementException naming the known workers if it is unknown, disabled or not started
     */
    WorkerContext get(String name);
}
