package dev.apalis.spring.boot.test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;

import dev.apalis.spring.TaskHandler;
import dev.apalis.task.AbortTaskException;
import dev.apalis.task.TaskContext;

/**
 * A small application for the tester's tests: a greeter that fails its first attempts as told, and a
 * handler that always fails.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
class GreetingApplication {

    @Bean
    Greeter greeter() {
        return new Greeter();
    }

    record Greeting(String to, int failures) {
    }

    static final class Greeter {

        final List<String> greeted = new CopyOnWriteArrayList<>();

        final AtomicInteger attempts = new AtomicInteger();

        @TaskHandler(value = "greetings", maxAttempts = "4", backoffInitial = "10s", backoffJitter = "0")
        void greet(Greeting greeting, TaskContext context) {
            this.attempts.incrementAndGet();
            if (context.attempt() <= greeting.failures()) {
                throw new IllegalStateException("Not now (attempt " + context.attempt() + ")");
            }
            if (greeting.to().isBlank()) {
                throw new AbortTaskException("Nobody to greet");
            }
            this.greeted.add(greeting.to());
        }
    }
}
