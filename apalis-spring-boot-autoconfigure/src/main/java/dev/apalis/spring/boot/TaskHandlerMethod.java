package dev.apalis.spring.boot;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Type;
import java.lang.reflect.UndeclaredThrowableException;

import org.springframework.util.ReflectionUtils;

import dev.apalis.task.TaskContext;

/**
 * A {@code @TaskHandler} method of a bean, ready to run tasks: it calls the method on the bean (the
 * proxy, when the bean is proxied) with the payload and, if declared, the {@link TaskContext}.
 * Exceptions the method throws come out unwrapped, so that {@code AbortTaskException} and
 * {@code RetryTaskException} keep their meaning.
 */
final class TaskHandlerMethod implements dev.apalis.worker.TaskFunction<Object> {

    private final String beanName;

    private final Object bean;

    private final Method method;

    private final Method invocableMethod;

    private final Type payloadType;

    private final int payloadIndex;

    private final int contextIndex;

    private final int arity;

    private final TaskHandlerAttributes attributes;

    TaskHandlerMethod(String beanName, Object bean, Method method, Method invocableMethod, Type payloadType,
            int payloadIndex, int contextIndex, TaskHandlerAttributes attributes) {
        this.beanName = beanName;
        this.bean = bean;
        this.method = method;
        this.invocableMethod = invocableMethod;
        this.payloadType = payloadType;
        this.payloadIndex = payloadIndex;
        this.contextIndex = contextIndex;
        this.arity = invocableMethod.getParameterCount();
        this.attributes = attributes;
        ReflectionUtils.makeAccessible(invocableMethod);
    }

    String beanName() {
        return this.beanName;
    }

    /** The method as declared on the bean's class (the target class when the bean is proxied). */
    Method method() {
        return this.method;
    }

    Type payloadType() {
        return this.payloadType;
    }

    TaskHandlerAttributes attributes() {
        return this.attributes;
    }

    @Override
    public void handle(Object payload, TaskContext context) throws Exception {
        Object[] args = new Object[this.arity];
        args[this.payloadIndex] = payload;
        if (this.contextIndex >= 0) {
            args[this.contextIndex] = context;
        }
        try {
            this.invocableMethod.invoke(this.bean, args);
        }
        catch (InvocationTargetException ex) {
            Throwable cause = ex.getTargetException();
            if (cause instanceof Exception exception) {
                throw exception;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw new UndeclaredThrowableException(cause);
        }
    }

    @Override
    public String toString() {
        return "TaskHandlerMethod[" + dev.apalis.spring.WorkerDefinition.describeHandler(this.beanName, this.method) + "]";
    }
}
