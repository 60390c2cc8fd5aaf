package dev.apalis.sample.report;

import java.time.Duration;
import java.time.LocalDate;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

import dev.apalis.spring.TaskHandler;
import dev.apalis.task.TaskContext;

/**
 * Builds the day's signup report: a slow task ({@code sample.report.duration}, 5 s by default), to
 * watch a graceful shutdown. Stop the application while it runs and the shutdown waits for it to
 * finish (up to {@code apalis.shutdown.timeout}) before the database goes away.
 * <p>
 * Pushed with a unique key per day, so the signups of a burst share one report task.
 */
@Component
class SignupReportHandler {

    private static final Logger logger = LoggerFactory.getLogger(SignupReportHandler.class);

    private final JdbcClient jdbc;

    private final Duration duration;

    SignupReportHandler(JdbcClient jdbc, @Value("${sample.report.duration:5s}") Duration duration) {
        this.jdbc = jdbc;
        this.duration = duration;
    }

    @TaskHandler("signup-report")
    void build(LocalDate day, TaskContext context) throws InterruptedException {
        logger.info("Building the signup report for {}; it takes {}: stop the application now (Ctrl-C) "
                + "and the shutdown waits for it", day, this.duration.toMillis() + " ms");
        Thread.sleep(this.duration.toMillis()); // the slow part; interrupted only past the shutdown timeout
        long signups = this.jdbc.sql("select count(*) from signups where created_on = ?")
            .param(day)
            .query(Long.class)
            .single();
        logger.info("Signup report for {}: {} signups (task {})", day, signups, context.taskId());
    }
}
