package dev.apalis.sample;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.endpoint.EndpointId;
import org.springframework.boot.actuate.endpoint.web.PathMappedEndpoints;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.jdbc.autoconfigure.JdbcConnectionDetails;
import org.springframework.context.ApplicationContext;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

import dev.apalis.spring.WorkerDefinition;
import dev.apalis.spring.Workers;

/**
 * Tells the person at the console what to do: once the application is ready, a curl line that signs a
 * user up, the other endpoints, the Actuator URLs and the database; when it begins to stop, which
 * tasks the shutdown waits for.
 */
@Component
class ConsoleGuide {

    private static final Logger logger = LoggerFactory.getLogger(ConsoleGuide.class);

    private static final List<String> ENDPOINTS = List.of("health", "metrics", "apalis");

    private final ApplicationContext context;

    private final Environment environment;

    private final Workers workers;

    private final ObjectProvider<PathMappedEndpoints> endpoints;

    private final ObjectProvider<JdbcConnectionDetails> database;

    ConsoleGuide(ApplicationContext context, Environment environment, Workers workers,
            ObjectProvider<PathMappedEndpoints> endpoints, ObjectProvider<JdbcConnectionDetails> database) {
        this.context = context;
        this.environment = environment;
        this.workers = workers;
        this.endpoints = endpoints;
        this.database = database;
    }

    @EventListener(ApplicationReadyEvent.class)
    void printWhereToLook() {
        String serverPort = this.environment.getProperty("local.server.port", "8080");
        String app = "http://localhost:" + serverPort;
        String management = "http://localhost:" + this.environment.getProperty("local.management.port", serverPort);
        List<String> lines = new ArrayList<>();
        lines.add("");
        lines.add("Apalis sample app is ready.");
        lines.add("  Sign a user up (pushes a welcome e-mail, a CRM sync and the day's report; a new address each time):");
        lines.add("    curl -s -H 'Content-Type: application/json' -d '{\"email\":\"ada@example.com\",\"name\":\"Ada\"}' "
                + app + "/signups");
        lines.add("  Look a task up:        curl -s " + app + "/tasks/<id from the answer>");
        lines.add("  Simulate a CRM outage: curl -s -X POST " + app + "/crm/outage   (end it: -X DELETE)");
        PathMappedEndpoints mapped = this.endpoints.getIfAvailable();
        if (mapped != null) {
            for (String id : ENDPOINTS) {
                String path = mapped.getPath(EndpointId.of(id));
                if (path != null) {
                    lines.add(String.format("  %-22s %s%s", "Actuator " + id + ":", management, path));
                }
            }
        }
        JdbcConnectionDetails details = this.database.getIfAvailable();
        if (details != null) {
            String url = details.getJdbcUrl();
            int query = url.indexOf('?');
            lines.add("  Database:              " + ((query >= 0) ? url.substring(0, query) : url) + " (user "
                    + details.getUsername() + ")"); // without the query, which may hold a password
        }
        lines.add("  Stop with Ctrl-C: tasks in flight finish first.");
        logger.info(String.join(System.lineSeparator(), lines));
    }

    @EventListener
    void printWhatTheShutdownWaitsFor(ContextClosedEvent event) {
        if (event.getApplicationContext() != this.context) {
            return; // the management server's context
        }
        List<String> busy = new ArrayList<>();
        for (WorkerDefinition definition : this.workers.definitions()) {
            this.workers.find(definition.name())
                .filter((worker) -> worker.inFlight() > 0)
                .ifPresent((worker) -> busy.add(worker.name() + ": " + worker.inFlight() + " in flight, up to "
                        + readable(definition.shutdownTimeout()) + " to finish"));
        }
        if (busy.isEmpty()) {
            logger.info("Stopping: no task in flight");
        }
        else {
            logger.info("Stopping: the workers claim nothing more and wait for their tasks in flight ({})",
                    String.join("; ", busy));
        }
    }

    static String readable(Duration duration) {
        return duration.toString().substring(2).toLowerCase(Locale.ROOT);
    }
}
