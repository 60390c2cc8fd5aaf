package dev.apalis.spring.boot;

/**
 * Apalis cannot start as configured: an invalid {@code @TaskHandler} method, two handlers for one
 * worker, properties for a worker that no handler defines, or a backend that cannot be built. The
 * message says what is wrong and what to do; the failure analysis splits the two.
 */
public class ApalisConfigurationException extends RuntimeException {

    private final String description;

    private final String action;

    /**
     * Creates an exception.
     * @param description what is wrong
     * @param action what to do about it
     */
    public ApalisConfigurationException(String description, String action) {
        this(description, action, null);
    }

    /**
     * Creates an exception with a cause.
     * @param description what is wrong
     * @param action what to do about it
     * @param cause the cause, or {@code null}
     */
    public ApalisConfigurationException(String description, String action, Throwable cause) {
        super(description + System.lineSeparator() + "Action: " + action, cause);
        this.description = description;
        this.action = action;
    }

    /**
     * What is wrong.
     * @return the description
     */
    public String getDescription() {
        return this.description;
    }

    /**
     * What to do about it.
     * @return the action
     */
    public String getAction() {
        return this.action;
    }
}
