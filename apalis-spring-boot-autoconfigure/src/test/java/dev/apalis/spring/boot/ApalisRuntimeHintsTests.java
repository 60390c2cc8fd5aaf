package dev.apalis.spring.boot;

import java.util.List;

import org.junit.jupiter.api.Test;

import org.springframework.aot.generate.ClassNameGenerator;
import org.springframework.aot.generate.DefaultGenerationContext;
import org.springframework.aot.generate.InMemoryGeneratedFiles;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;
import org.springframework.aot.hint.predicate.RuntimeHintsPredicates;
import org.springframework.beans.factory.aot.AotServices;
import org.springframework.beans.factory.aot.BeanFactoryInitializationAotContribution;
import org.springframework.beans.factory.aot.BeanFactoryInitializationAotProcessor;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.javapoet.ClassName;

import dev.apalis.spring.TaskHandler;
import dev.apalis.task.TaskContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The runtime hints for AOT processing and native images: handler methods, their payload types, and
 * the schema scripts, checked with {@link RuntimeHintsPredicates}.
 */
class ApalisRuntimeHintsTests {

    @Test
    void handlerMethodsAreInvocableAndTheirPayloadTypesBindable() throws Exception {
        RuntimeHints hints = processAheadOfTime(HandlerBean.class);
        assertThat(RuntimeHintsPredicates.reflection()
            .onMethodInvocation(HandlerBean.class.getDeclaredMethod("send", Email.class, TaskContext.class)))
            .accepts(hints);
        assertThat(RuntimeHintsPredicates.reflection()
            .onMethodInvocation(HandlerBean.class.getDeclaredMethod("archive", List.class))).accepts(hints);
        assertThat(RuntimeHintsPredicates.reflection().onType(Email.class)).accepts(hints);
        assertThat(RuntimeHintsPredicates.reflection().onMethodInvocation(Email.class, "to")).accepts(hints);
        assertThat(RuntimeHintsPredicates.reflection().onConstructorInvocation(Email.class.getDeclaredConstructors()[0]))
            .accepts(hints);
        assertThat(RuntimeHintsPredicates.reflection().onType(Address.class))
            .as("a type reached through a payload's component").accepts(hints);
        assertThat(RuntimeHintsPredicates.reflection().onType(Report.class))
            .as("the element type of a generic payload").accepts(hints);
        assertThat(RuntimeHintsPredicates.reflection().onMethodInvocation(HandlerBean.class, "notAHandler"))
            .rejects(hints);
    }

    @Test
    void aBeanFactoryWithoutHandlersContributesNothing() {
        DefaultListableBeanFactory beanFactory = new DefaultListableBeanFactory();
        beanFactory.registerBeanDefinition("plain", new RootBeanDefinition(String.class));
        assertThat(new TaskHandlerAotProcessor().processAheadOfTime(beanFactory)).isNull();
    }

    @Test
    void theSchemaScriptsAreResources() {
        RuntimeHints hints = new RuntimeHints();
        new ApalisRuntimeHints().registerHints(hints, getClass().getClassLoader());
        assertThat(RuntimeHintsPredicates.resource().forResource("dev/apalis/backend/postgres/schema-v1.sql"))
            .accepts(hints);
        assertThat(RuntimeHintsPredicates.resource().forResource("dev/apalis/backend/postgres/schema-v2.sql"))
            .accepts(hints);
    }

    @Test
    void bothAreRegisteredInAotFactories() {
        assertThat(AotServices.factories().load(BeanFactoryInitializationAotProcessor.class))
            .hasAtLeastOneElementOfType(TaskHandlerAotProcessor.class);
        assertThat(AotServices.factories().load(RuntimeHintsRegistrar.class))
            .hasAtLeastOneElementOfType(ApalisRuntimeHints.class);
    }

    private static RuntimeHints processAheadOfTime(Class<?> beanClass) {
        DefaultListableBeanFactory beanFactory = new DefaultListableBeanFactory();
        beanFactory.registerBeanDefinition("handlers", new RootBeanDefinition(beanClass));
        BeanFactoryInitializationAotContribution contribution = new TaskHandlerAotProcessor()
            .processAheadOfTime(beanFactory);
        assertThat(contribution).isNotNull();
        DefaultGenerationContext generationContext = new DefaultGenerationContext(
                new ClassNameGenerator(ClassName.get("com.example", "Application")), new InMemoryGeneratedFiles());
        contribution.applyTo(generationContext, null);
        return generationContext.getRuntimeHints();
    }

    record Address(String street) {
    }

    record Email(String to, Address address) {
    }

    record Report(String day) {
    }

    static class HandlerBean {

        @TaskHandler("email")
        void send(Email email, TaskContext context) {
        }

        @TaskHandler("archive")
        void archive(List<Report> reports) {
        }

        void notAHandler(Email email) {
        }
    }
}
