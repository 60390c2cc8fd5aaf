package dev.apalis.spring.boot;

import java.lang.reflect.Method;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Future;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.aop.framework.autoproxy.AutoProxyUtils;
import org.springframework.aop.scope.ScopedProxyUtils;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.config.EmbeddedValueResolver;
import org.springframework.core.GenericTypeResolver;
import org.springframework.core.MethodIntrospector;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.annotation.AnnotationUtils;
import org.springframework.util.StringValueResolver;

import dev.apalis.spring.TaskHandler;
import dev.apalis.spring.WorkerDefinition;
import dev.apalis.task.TaskContext;
import dev.apalis.worker.WorkerContext;

/**
 * Finds the {@link TaskHandler @TaskHandler} methods of a bean factory's beans, the way
 * {@code @EventListener} methods are found: annotations are read on the target class of proxied
 * beans, and methods are invoked on the bean (the proxy) itself. Every problem is collected, then
 * reported at once in an {@link ApalisConfigurationException}.
 */
final class TaskHandlerDiscovery {

    private static final Log logger = LogFactory.getLog(TaskHandlerDiscovery.class);

    private final ConfigurableListableBeanFactory beanFactory;

    private final StringValueResolver resolver;

    TaskHandlerDiscovery(ConfigurableListableBeanFactory beanFactory) {
        this.beanFactory = beanFactory;
        this.resolver = new EmbeddedValueResolver(beanFactory);
    }

    /**
     * Finds every handler method.
     * @return the handler methods, by worker name, sorted by name
     * @throws ApalisConfigurationException if a handler is invalid or two share a worker name
     */
    Map<String, TaskHandlerMethod> discover() {
        List<String> problems = new ArrayList<>();
        List<TaskHandlerMethod> found = new ArrayList<>();
        for (String beanName : this.beanFactory.getBeanNamesForType(Object.class, true, false)) {
            if (ScopedProxyUtils.isScopedTarget(beanName)) {
                continue;
            }
            Class<?> targetType = targetType(beanName);
            if (targetType == null || !AnnotationUtils.isCandidateClass(targetType, TaskHandler.class)) {
                continue;
            }
            Map<Method, TaskHandler> annotated = MethodIntrospector.selectMethods(targetType,
                    (MethodIntrospector.MetadataLookup<TaskHandler>) (method) -> AnnotatedElementUtils
                        .findMergedAnnotation(method, TaskHandler.class));
            if (annotated.isEmpty()) {
                continue;
            }
            Object bean = this.beanFactory.getBean(beanName);
            annotated.entrySet()
                .stream()
                .sorted(Comparator.comparing((entry) -> entry.getKey().toGenericString()))
                .forEach((entry) -> {
                    TaskHandlerMethod handler = inspect(beanName, bean, targetType, entry.getKey(), entry.getValue(),
                            problems);
                    if (handler != null) {
                        found.add(handler);
                    }
                });
        }
        Map<String, TaskHandlerMethod> byName = indexByName(found, problems);
        if (!problems.isEmpty()) {
            throw new ApalisConfigurationException(
                    "Invalid @TaskHandler methods:" + System.lineSeparator() + bulleted(problems),
                    "A handler takes one payload parameter and optionally a TaskContext, in either order, and each "
                            + "worker name belongs to one handler. Fix the methods listed above.");
        }
        return byName;
    }

    private Class<?> targetType(String beanName) {
        try {
            return AutoProxyUtils.determineTargetClass(this.beanFactory, beanName);
        }
        catch (RuntimeException ex) {
            logger.debug("Could not resolve the target class of bean '" + beanName + "'", ex);
            return null;
        }
    }

    private TaskHandlerMethod inspect(String beanName, Object bean, Class<?> targetType, Method method,
            TaskHandler annotation, List<String> problems) {
        String where = WorkerDefinition.describeHandler(beanName, method);
        int before = problems.size();
        TaskHandlerAttributes attributes = TaskHandlerAttributes.of(annotation, this.resolver, where, problems);
        Type[] parameterTypes = method.getGenericParameterTypes();
        int payloadIndex = -1;
        int contextIndex = -1;
        List<String> payloads = new ArrayList<>();
        for (int i = 0; i < parameterTypes.length; i++) {
            Class<?> raw = method.getParameterTypes()[i];
            if (raw == TaskContext.class) {
                if (contextIndex >= 0) {
                    problems.add(where + ": declares TaskContext twice");
                }
                contextIndex = i;
            }
            else {
                payloadIndex = i;
                payloads.add(raw.getSimpleName());
                if (WorkerContext.class.isAssignableFrom(raw)) {
                    problems.add(where + ": a WorkerContext cannot be a parameter; take a TaskContext and call "
                            + "context.worker()");
                }
            }
        }
        if (payloads.isEmpty()) {
            problems.add(where + ": has no payload parameter; declare the payload type as a parameter, for example "
                    + "void handle(Email email, TaskContext context)");
        }
        else if (payloads.size() > 1) {
            problems.add(where + ": has " + payloads.size() + " payload parameters " + payloads
                    + "; a handler takes exactly one payload and optionally a TaskContext");
        }
        Class<?> returnType = method.getReturnType();
        if (CompletionStage.class.isAssignableFrom(returnType) || Future.class.isAssignableFrom(returnType)) {
            problems.add(where + ": returns " + returnType.getSimpleName() + ", but a task ends when its handler "
                    + "returns; do the work before returning (the handler runs on a worker thread, so blocking is fine)");
        }
        Method invocable = null;
        try {
            invocable = AopUtils.selectInvocableMethod(method, bean.getClass());
        }
        catch (IllegalStateException ex) {
            problems.add(where + ": cannot be invoked on the bean's proxy (" + ex.getMessage() + ")");
        }
        if (problems.size() > before || invocable == null) {
            return null;
        }
        Type payloadType = GenericTypeResolver.resolveType(parameterTypes[payloadIndex], targetType);
        return new TaskHandlerMethod(beanName, bean, method, invocable, payloadType, payloadIndex, contextIndex,
                attributes);
    }

    private static Map<String, TaskHandlerMethod> indexByName(List<TaskHandlerMethod> handlers, List<String> problems) {
        Map<String, TaskHandlerMethod> byName = new LinkedHashMap<>();
        Map<String, TaskHandlerMethod> byUniformName = new LinkedHashMap<>();
        handlers.sort(Comparator.comparing((handler) -> handler.attributes().name()));
        for (TaskHandlerMethod handler : handlers) {
            String name = handler.attributes().name();
            TaskHandlerMethod same = byUniformName.putIfAbsent(WorkerNames.uniform(name), handler);
            if (same != null) {
                String sameName = same.attributes().name();
                problems.add("Worker '" + name + "' is defined twice: by "
                        + WorkerDefinition.describeHandler(same.beanName(), same.method()) + (sameName.equals(name) ? ""
                                : " (as '" + sameName + "', which properties cannot tell apart from '" + name + "')")
                        + " and by " + WorkerDefinition.describeHandler(handler.beanName(), handler.method())
                        + "; give each handler its own worker name (several workers may share a queue)");
                continue;
            }
            byName.put(name, handler);
        }
        return byName;
    }

    private static String bulleted(List<String> problems) {
        StringBuilder text = new StringBuilder();
        for (String problem : problems) {
            if (!text.isEmpty()) {
                text.append(System.lineSeparator());
            }
            text.append(" - ").append(problem);
        }
        return text.toString();
    }
}
