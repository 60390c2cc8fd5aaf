package dev.apalis.spring.boot.dashboard;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.event.EventListener;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configuration.EnableWebSecurity;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;

import dev.apalis.spring.TaskHandler;
import dev.apalis.task.AbortTaskException;

/**
 * The application the dashboard's tests run: handlers for a few queues, and the
 * {@code SecurityFilterChain} that docs/dashboard.md shows, with in-memory users {@code viewer} (role
 * APALIS_VIEWER) and {@code operator} (role APALIS_OPERATOR), passwords as their names.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@EnableWebSecurity
class DashboardTestApplication {

    @Bean
    SecurityFilterChain securityFilterChain(HttpSecurity http) throws Exception {
        http.authorizeHttpRequests((requests) -> requests
            .requestMatchers("/apalis/**").hasAnyRole("APALIS_VIEWER", "APALIS_OPERATOR")
            .anyRequest().authenticated())
            .formLogin(Customizer.withDefaults())
            .httpBasic(Customizer.withDefaults());
        return http.build();
    }

    /**
     * The users, looked up without the password upgrade an {@link InMemoryUserDetailsManager} offers:
     * with it, Spring Security re-encodes a {@code {noop}} password with BCrypt at the first sign-in, and
     * every later HTTP Basic request (stateless, so authenticated each time) pays about 100 ms of BCrypt,
     * which the page timings would measure instead of the pages.
     */
    @Bean
    UserDetailsService users() {
        InMemoryUserDetailsManager users = new InMemoryUserDetailsManager(
                User.withUsername("viewer").password("{noop}viewer").roles("APALIS_VIEWER").build(),
                User.withUsername("operator").password("{noop}operator").roles("APALIS_OPERATOR").build());
        return users::loadUserByUsername;
    }

    @Bean
    Handlers handlers() {
        return new Handlers();
    }

    @Bean
    ActionEvents actionEvents() {
        return new ActionEvents();
    }

    /** The tests' handlers. */
    static class Handlers {

        final AtomicBoolean fixed = new AtomicBoolean();

        final AtomicInteger fragileRuns = new AtomicInteger();

        final AtomicInteger sharedRuns = new AtomicInteger();

        @TaskHandler("fragile")
        void fragile(Map<String, String> message) {
            this.fragileRuns.incrementAndGet();
            if (!this.fixed.get()) {
                throw new AbortTaskException("Mail server refused the message: 554 5.7.1 rejected");
            }
        }

        @TaskHandler(value = "shared", concurrency = "2")
        void shared(String payload) {
            this.sharedRuns.incrementAndGet();
        }

        @TaskHandler("email")
        void email(String payload) {
        }
    }

    /** Every dashboard action event, in order. */
    static class ActionEvents {

        final List<DashboardActionEvent> events = new CopyOnWriteArrayList<>();

        @EventListener
        void on(DashboardActionEvent event) {
            this.events.add(event);
        }
    }
}
