package dev.apalis.spring;

import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Method;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.WildcardType;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.StringJoiner;

import org.jspecify.annotations.Nullable;

import org.springframework.util.ClassUtils;

import dev.apalis.worker.RetryPolicy;

/**
 * A worker as the application defines it: the {@link TaskHandler @TaskHandler} method that runs its
 * tasks and its settings, resolved from the built-in defaults, {@code apalis.defaults.*}, the
 * annotation and {@code apalis.workers.<name>.*}, in that order of precedence. Immutable.
 *
 * @param name the worker's name
 * @param queue the queue it consumes
 * @param enabled whether it starts with the application
 * @param concurrency how many tasks run at once
 * @param prefetch how many tasks are claimed ahead of free slots; absent for the adaptive prefetch
 * @param pollInterval how often an idle worker looks for due tasks without a notification
 * @param timeout how long one attempt may run; absent for no limit
 * @param retryPolicy attempts and backoff
 * @param rateLimitPermits task starts allowed per {@code rateLimitPeriod}, or {@code 0} for no limit
 * @param rateLimitPeriod the window of the rate limit
 * @param heartbeatInterval how often the worker tells the backend it is alive
 * @param shutdownTimeout how long a graceful stop waits for tasks in flight
 * @param payloadType the type payloads are read as
 * @param beanName the name of the bean that declares the handler
 * @param method the handler method, as declared on the bean's class
 */
public record WorkerDefinition(String name, String queue, boolean enabled, int concurrency, @Nullable Integer prefetch,
        Duration pollInterval, @Nullable Duration timeout, RetryPolicy retryPolicy, int rateLimitPermits,
        Duration rateLimitPeriod, Duration heartbeatInterval, Duration shutdownTimeout, Type payloadType,
        String beanName, Method method) {

    public WorkerDefinition {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(queue, "queue");
        Objects.requireNonNull(pollInterval, "pollInterval");
        Objects.requireNonNull(retryPolicy, "retryPolicy");
        Objects.requireNonNull(heartbeatInterval, "heartbeatInterval");
        Objects.requireNonNull(shutdownTimeout, "shutdownTimeout");
        Objects.requireNonNull(payloadType, "payloadType");
        Objects.requireNonNull(beanName, "beanName");
        Objects.requireNonNull(method, "method");
    }

    /**
     * The attempt timeout, if any.
     * @return the timeout, or empty for no limit
     */
    public Optional<Duration> attemptTimeout() {
        return Optional.ofNullable(timeout);
    }

    /**
     * Where the handler is declared, for messages: the bean's name and the method.
     * @return a description such as {@code bean 'emailHandlers', method com.example.EmailHandlers.send(Email)}
     */
    public String handlerDescription() {
        return describeHandler(beanName, method);
    }

    /**
     * Describes a handler method for messages: the bean's name and the method with its parameter types.
     * @param beanName the bean's name
     * @param method the method
     * @return a description such as {@code bean 'emailHandlers', method com.example.EmailHandlers.send(Email)}
     */
    public static String describeHandler(String beanName, Method method) {
        StringJoiner parameters = new StringJoiner(", ", "(", ")");
        for (Type type : method.getGenericParameterTypes()) {
            parameters.add(simpleName(type));
        }
        return "bean '" + beanName + "', method " + ClassUtils.getQualifiedMethodName(method) + parameters;
    }

    private static String simpleName(Type type) {
        if (type instanceof Class<?> clazz) {
            return clazz.getSimpleName();
        }
        if (type instanceof ParameterizedType parameterized) {
            StringJoiner arguments = new StringJoiner(", ", "<", ">");
            for (Type argument : parameterized.getActualTypeArguments()) {
                arguments.add(simpleName(argument));
            }
            return simpleName(parameterized.getRawType()) + arguments;
        }
        if (type instanceof GenericArrayType array) {
            return simpleName(array.getGenericComponentType()) + "[]";
        }
        if (type instanceof WildcardType wildcard) {
            if (wildcard.getLowerBounds().length > 0) {
                return "? super " + simpleName(wildcard.getLowerBounds()[0]);
            }
            Type upper = wildcard.getUpperBounds()[0];
            return (upper == Object.class) ? "?" : "? extends " + simpleName(upper);
        }
        return type.getTypeName();
    }
}
