package dev.apalis.spring.boot.docs;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

import dev.apalis.spring.TaskClient;
import dev.apalis.task.TaskId;

/**
 * A push that joins the caller's transaction.
 */
@Service
public class SignupService {

    private final JdbcClient jdbc;

    private final TaskClient tasks;

    SignupService(JdbcClient jdbc, TaskClient tasks) {
        this.jdbc = jdbc;
        this.tasks = tasks;
    }

    @Transactional
    public TaskId signUp(String address) {
        this.jdbc.sql("insert into users (email) values (?)").param(address).update();
        return this.tasks.push("email", new Email(address, "Welcome")); // stored only if the transaction commits
    }
}
