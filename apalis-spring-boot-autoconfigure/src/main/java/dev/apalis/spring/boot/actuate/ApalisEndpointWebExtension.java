package dev.apalis.spring.boot.actuate;

import java.util.Objects;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.annotation.WriteOperation;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.boot.actuate.endpoint.web.annotation.EndpointWebExtension;

import dev.apalis.spring.boot.actuate.ApalisEndpoint.ActionDescriptor;

/**
 * The HTTP statuses of the {@link ApalisEndpoint}'s write operations: 200 with the result when the
 * action was done, 409 (with the result, saying why) when the worker does not run, the task's status
 * does not allow it or the action would change nothing (pausing a paused worker or queue), 404 for an
 * unknown worker, task or section, 400 (with a message naming the valid actions) for an unknown action.
 */
@EndpointWebExtension(endpoint = ApalisEndpoint.class)
public class ApalisEndpointWebExtension {

    /** Conflict: the action does not apply to the worker or task as it is. */
    static final int STATUS_CONFLICT = 409;

    private final ApalisEndpoint delegate;

    /**
     * Creates the extension.
     * @param delegate the endpoint
     */
    public ApalisEndpointWebExtension(ApalisEndpoint delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    /**
     * Pauses or resumes a worker, or retries or cancels a task.
     * @param section {@code workers} or {@code tasks}
     * @param name the worker's name or the task's id
     * @param action {@code pause}, {@code resume}, {@code retry}, {@code cancel}, {@code delete} or
     * {@code reschedule}
     * @param runAt for {@code reschedule}: the new run time
     * @return the result with its status
     */
    @WriteOperation
    public WebEndpointResponse<ActionDescriptor> act(@Selector String section, @Selector String name, String action,
            @Nullable String runAt) {
        ActionDescriptor result;
        try {
            result = this.delegate.act(section, name, action, runAt);
        }
        catch (InvalidEndpointRequestException ex) {
            return new WebEndpointResponse<>(new ActionDescriptor(action, false, ex.getMessage(), null, null),
                    WebEndpointResponse.STATUS_BAD_REQUEST);
        }
        if (result == null) {
            return new WebEndpointResponse<>(WebEndpointResponse.STATUS_NOT_FOUND);
        }
        return new WebEndpointResponse<>(result, result.applied() ? WebEndpointResponse.STATUS_OK : STATUS_CONFLICT);
    }
}
