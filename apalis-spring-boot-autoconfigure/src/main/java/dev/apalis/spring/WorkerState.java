package dev.apalis.spring;

import java.util.Locale;

/**
 * Where a worker of the application stands, as health, metrics and the {@code apalis} endpoint report
 * it.
 */
public enum WorkerState {

    /** Started, claiming tasks. */
    RUNNING,

    /** Started and paused: it claims nothing until resumed; tasks in flight go on. */
    PAUSED,

    /**
     * Started, but it met an error outside a handler (the backend did not answer a claim, a heart-beat
     * or a completion) recently, and no task started since.
     */
    FAILING,

    /** Enabled, but not running: not started yet, or stopped. */
    STOPPED,

    /** Defined by a handler but disabled by configuration: never started on this node. */
    DISABLED;

    /**
     * The state's name in lower case, as metrics tag it.
     * @return the lower-case name
     */
    public String value() {
        return name().toLowerCase(Locale.ROOT);
    }
}
