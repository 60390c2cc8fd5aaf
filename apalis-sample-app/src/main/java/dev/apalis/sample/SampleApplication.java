package dev.apalis.sample;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.scheduling.annotation.EnableScheduling;

/**
 * The sample app: a signup endpoint that pushes tasks in the signup's transaction, and the handlers
 * that run them. Started by {@code mvn -q -pl apalis-sample-app -am spring-boot:run}; with no
 * {@code spring.datasource.url} it runs on an embedded PostgreSQL (see {@link EmbeddedPostgresConfiguration}).
 */
@SpringBootApplication
@EnableScheduling
public class SampleApplication {

    public static void main(String[] args) {
        SpringApplication.run(SampleApplication.class, args);
    }
}
