package dev.apalis.spring.boot.dashboard;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.function.RouterFunction;
import org.springframework.web.servlet.function.ServerResponse;

import dev.apalis.backend.Backend;
import dev.apalis.backend.WorkerDirectory;
import dev.apalis.schedule.ScheduleStore;
import dev.apalis.schedule.SchedulingBackend;
import dev.apalis.spring.TaskOperator;
import dev.apalis.spring.WorkerActivity;
import dev.apalis.spring.Workers;

/**
 * Auto-configuration of the web dashboard, served by the application's Spring MVC under
 * {@code apalis.dashboard.path} (default {@code /apalis}) when {@code apalis.dashboard.enabled=true}.
 * With Spring Security on the class path its requests go through the application's filter chain and
 * the dashboard checks the viewer and operator roles; without it the dashboard is read-only unless
 * {@code apalis.dashboard.access=unrestricted}.
 */
@AutoConfiguration(afterName = "dev.apalis.spring.boot.ApalisAutoConfiguration")
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass(RouterFunction.class)
@ConditionalOnBooleanProperty("apalis.dashboard.enabled")
@ConditionalOnBean({ Backend.class, TaskOperator.class, Workers.class, WorkerActivity.class })
@EnableConfigurationProperties(DashboardProperties.class)
public final class DashboardAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    Throughput apalisDashboardThroughput() {
        return new Throughput();
    }

    @Bean
    RouterFunction<ServerResponse> apalisDashboardRoutes(DashboardProperties properties, DashboardAccess access,
            Backend backend, TaskOperator operator, Workers workers, WorkerActivity activity, Throughput throughput,
            ApplicationEventPublisher events) {
        properties.validate();
        ScheduleStore schedules = (backend instanceof SchedulingBackend scheduling) ? scheduling.schedules() : null;
        WorkerDirectory directory = (backend instanceof WorkerDirectory found) ? found : null;
        QueueSummaries queues = new QueueSummaries(backend, operator, activity);
        DashboardActions actions = new DashboardActions(operator, workers, schedules, queues, events);
        return new DashboardRoutes(properties, access, operator,
                new OverviewPage(queues, activity, directory, throughput),
                new QueuePage(queues, operator, properties.getPageSize()), new FailedTasksPage(queues, operator),
                new SchedulesPage(schedules), actions).routes();
    }

    /** With Spring Security: roles and its CSRF token. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.security.web.csrf.CsrfToken")
    static class SecuredAccessConfiguration {

        @Bean
        DashboardAccess apalisDashboardAccess(DashboardProperties properties) {
            return new SecuredDashboardAccess(properties);
        }
    }

    /** Without Spring Security: read-only unless access is unrestricted. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnMissingClass("org.springframework.security.web.csrf.CsrfToken")
    static class UnsecuredAccessConfiguration {

        @Bean
        DashboardAccess apalisDashboardAccess(DashboardProperties properties) {
            return new UnsecuredDashboardAccess(properties);
        }
    }

}
