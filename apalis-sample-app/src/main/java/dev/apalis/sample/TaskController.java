package dev.apalis.sample;

import java.time.Instant;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

import dev.apalis.spring.TaskClient;
import dev.apalis.task.Task;
import dev.apalis.task.TaskId;

/**
 * {@code GET /tasks/{id}}: where a task stands, read with {@link TaskClient#find}.
 */
@RestController
class TaskController {

    private final TaskClient tasks;

    TaskController(TaskClient tasks) {
        this.tasks = tasks;
    }

    @GetMapping("/tasks/{id}")
    ResponseEntity<TaskView> find(@PathVariable String id) {
        return ResponseEntity.of(this.tasks.find(TaskId.parse(id)).map(TaskView::of));
    }

    @ExceptionHandler
    ProblemDetail notAnId(IllegalArgumentException ex) {
        return ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, ex.getMessage());
    }

    record TaskView(String id, String queue, String status, int attempts, Instant runAt, String lastError,
            Instant finishedAt) {

        static TaskView of(Task task) {
            String error = task.lastError();
            String firstLine = (error != null) ? error.lines().findFirst().orElse("") : null; // not the stack trace
            return new TaskView(task.id().toString(), task.queue(), task.status().name(), task.attempts(),
                    task.runAt(), firstLine, task.finishedAt());
        }
    }
}
