package dev.apalis.spring.boot;

import java.lang.reflect.Method;
import java.lang.reflect.Type;
import java.util.LinkedHashMap;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import org.springframework.aot.hint.BindingReflectionHintsRegistrar;
import org.springframework.aot.hint.ExecutableMode;
import org.springframework.aot.hint.MemberCategory;
import org.springframework.aot.hint.ReflectionHints;
import org.springframework.beans.factory.aot.BeanFactoryInitializationAotContribution;
import org.springframework.beans.factory.aot.BeanFactoryInitializationAotProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.core.GenericTypeResolver;
import org.springframework.core.MethodIntrospector;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.annotation.AnnotationUtils;
import org.springframework.util.ClassUtils;

import dev.apalis.spring.TaskHandler;
import dev.apalis.task.TaskContext;

/**
 * Registers, ahead of time, what {@code @TaskHandler} discovery and invocation reach by reflection:
 * each handler method (found on the bean classes of the bean factory, the way discovery finds them
 * at run time) for invocation, its declaring class for method introspection, and its payload type
 * (with the types Jackson binds through it) for data binding. Registered in
 * {@code META-INF/spring/aot.factories}.
 */
final class TaskHandlerAotProcessor implements BeanFactoryInitializationAotProcessor {

    private final BindingReflectionHintsRegistrar bindingRegistrar = new BindingReflectionHintsRegistrar();

    @Override
    public @Nullable BeanFactoryInitializationAotContribution processAheadOfTime(
            ConfigurableListableBeanFactory beanFactory) {
        Map<Method, Type> handlers = new LinkedHashMap<>();
        for (String beanName : beanFactory.getBeanDefinitionNames()) {
            Class<?> beanType = beanFactory.getType(beanName, false);
            if (beanType == null) {
                continue;
            }
            Class<?> userType = ClassUtils.getUserClass(beanType);
            if (!AnnotationUtils.isCandidateClass(userType, TaskHandler.class)) {
                continue;
            }
            MethodIntrospector
                .selectMethods(userType,
                        (MethodIntrospector.MetadataLookup<TaskHandler>) (method) -> AnnotatedElementUtils
                            .findMergedAnnotation(method, TaskHandler.class))
                .keySet()
                .forEach((method) -> handlers.put(method, payloadType(method, userType)));
        }
        if (handlers.isEmpty()) {
            return null;
        }
        return (generationContext, code) -> {
            ReflectionHints reflection = generationContext.getRuntimeHints().reflection();
            handlers.forEach((method, payloadType) -> {
                reflection.registerType(method.getDeclaringClass(), MemberCategory.INTROSPECT_DECLARED_METHODS);
                reflection.registerMethod(method, ExecutableMode.INVOKE);
                if (payloadType != null) {
                    this.bindingRegistrar.registerReflectionHints(reflection, payloadType);
                }
            });
        };
    }

    private static @Nullable Type payloadType(Method method, Class<?> beanType) {
        Type[] parameterTypes = method.getGenericParameterTypes();
        for (int i = 0; i < parameterTypes.length; i++) {
            if (method.getParameterTypes()[i] != TaskContext.class) {
                return GenericTypeResolver.resolveType(parameterTypes[i], beanType);
            }
        }
        return null;
    }
}
