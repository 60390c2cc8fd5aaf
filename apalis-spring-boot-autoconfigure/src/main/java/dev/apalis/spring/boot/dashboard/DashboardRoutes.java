package dev.apalis.spring.boot.dashboard;

import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import jakarta.servlet.http.HttpServletRequest;
import org.springframework.core.io.ClassPathResource;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.servlet.function.RouterFunction;
import org.springframework.web.servlet.function.RouterFunctions;
import org.springframework.web.servlet.function.ServerRequest;
import org.springframework.web.servlet.function.ServerResponse;

import dev.apalis.backend.TaskCursor;
import dev.apalis.backend.TaskDetails;
import dev.apalis.spring.TaskOperator;
import dev.apalis.task.Task;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskStatus;

/**
 * The dashboard's routes on the application's Spring MVC (so through its filter chain): a page per
 * GET, one POST for every action (answered first by a confirmation page), and the static assets.
 * Every request is checked against the {@link DashboardAccess}; every answer forbids caching and
 * framing and allows scripts and styles from the application only.
 */
final class DashboardRoutes {

    private static final String SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; "
            + "img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

    private final DashboardProperties properties;

    private final DashboardAccess access;

    private final TaskOperator operator;

    private final OverviewPage overview;

    private final QueuePage queue;

    private final FailedTasksPage failed;

    private final SchedulesPage schedules;

    private final DashboardActions actions;

    DashboardRoutes(DashboardProperties properties, DashboardAccess access, TaskOperator operator, OverviewPage overview,
            QueuePage queue, FailedTasksPage failed, SchedulesPage schedules, DashboardActions actions) {
        this.properties = properties;
        this.access = access;
        this.operator = operator;
        this.overview = overview;
        this.queue = queue;
        this.failed = failed;
        this.schedules = schedules;
        this.actions = actions;
    }

    RouterFunction<ServerResponse> routes() {
        String path = this.properties.getPath();
        return RouterFunctions.route()
            .GET(path, this::overview)
            .GET(path + "/", this::overview)
            .GET(path + "/queues/{queue}", this::queue)
            .GET(path + "/tasks/{id}", this::task)
            .GET(path + "/failed", (request) -> read(request, (context) -> html(this.failed.render(context))))
            .GET(path + "/schedules", (request) -> read(request, (context) -> html(this.schedules.render(context))))
            .GET(path + "/search", this::search)
            .POST(path + "/actions", this::act)
            .add(RouterFunctions.resources(path + "/assets/**",
                    new ClassPathResource("dev/apalis/spring/boot/dashboard/assets/")))
            .build();
    }

    private ServerResponse overview(ServerRequest request) {
        return read(request, (context) -> html(this.overview.render(context)));
    }

    private ServerResponse queue(ServerRequest request) {
        return read(request, (context) -> {
            String name = request.pathVariable("queue");
            TaskStatus status;
            TaskCursor after;
            try {
                status = request.param("status").filter((s) -> !s.isBlank())
                    .map((s) -> TaskStatus.valueOf(s.trim().toUpperCase(Locale.ROOT)))
                    .orElse(TaskStatus.PENDING);
                after = request.param("after").filter((s) -> !s.isBlank()).map(TaskCursor::parse).orElse(null);
            }
            catch (IllegalArgumentException ex) {
                return message(context, HttpStatus.BAD_REQUEST, "Bad request", "Unknown status or page: use the links "
                        + "of the queue's page.", "Queue " + name, context.url("/queues/", name));
            }
            return html(this.queue.render(context, name, status, after));
        });
    }

    private ServerResponse task(ServerRequest request) {
        return read(request, (context) -> {
            Optional<TaskDetails> details = parseId(request.pathVariable("id")).flatMap(this.operator::details);
            if (details.isEmpty()) {
                return message(context, HttpStatus.NOT_FOUND, "No such task", "There is no task "
                        + request.pathVariable("id") + ": it never existed, or it finished and was deleted by retention.",
                        "Overview", context.url("/"));
            }
            return html(TaskDetailPage.render(context, details.get()));
        });
    }

    private ServerResponse search(ServerRequest request) {
        return read(request, (context) -> {
            String query = request.param("q").map(String::trim).orElse("");
            String queueName = request.param("queue").filter((q) -> !q.isBlank()).orElse(null);
            if (query.isEmpty()) {
                return ServerResponse.status(HttpStatus.SEE_OTHER).location(URI.create(context.url("/"))).build();
            }
            Optional<TaskId> id = parseId(query);
            if (id.isPresent() && this.operator.details(id.get()).isPresent()) {
                return ServerResponse.status(HttpStatus.SEE_OTHER)
                    .location(URI.create(context.url("/tasks/", id.get().toString())))
                    .build();
            }
            List<Task> found = this.operator.findByUniqueKey(queueName, query, 100);
            return html(SearchPage.render(context, query, queueName, found));
        });
    }

    private ServerResponse act(ServerRequest request) {
        HttpServletRequest servlet = request.servletRequest();
        PageContext context = context(servlet);
        if (!this.access.canRead(servlet) || !this.access.canAct(servlet)) {
            return message(context, HttpStatus.FORBIDDEN, "Not allowed", this.access.refusal(servlet), "Overview",
                    context.url("/"));
        }
        if (crossSite(servlet)) {
            return message(context, HttpStatus.FORBIDDEN, "Not allowed",
                    "The form was sent from another site: actions are accepted only from the dashboard's own pages.",
                    "Overview", context.url("/"));
        }
        DashboardAction action;
        try {
            action = DashboardAction.from(servlet.getParameterMap());
        }
        catch (IllegalArgumentException ex) {
            return message(context, HttpStatus.BAD_REQUEST, "Bad request", ex.getMessage() + ".", "Overview",
                    context.url("/"));
        }
        String back = back(context, action);
        if (!"true".equals(servlet.getParameter("confirmed"))) {
            return html(ConfirmationPage.render(context, action, this.actions.preview(action), back));
        }
        DashboardActions.Outcome outcome = this.actions.run(action, this.access.user(servlet));
        return message(context, HttpStatus.OK, "Done", outcome.message(), "Continue", back);
    }

    private static String back(PageContext context, DashboardAction action) {
        return switch (action.kind().target) {
            case TASK -> context.url("/tasks/", action.ids().get(0).toString());
            case SELECTION, FILTER -> (action.queue() != null) ? context.url("/queues/", action.queue())
                    + ((action.status() != null) ? "?status=" + action.status().name() : "") : context.url("/");
            case QUEUE -> context.url("/queues/", action.queue());
            case WORKER -> context.url("/");
            case SCHEDULE -> context.url("/schedules");
        };
    }

    /** A POST whose Origin (or Sec-Fetch-Site) says it came from another site. */
    static boolean crossSite(HttpServletRequest request) {
        if ("cross-site".equals(request.getHeader("Sec-Fetch-Site"))) {
            return true;
        }
        String origin = request.getHeader("Origin");
        if (origin == null || origin.equals("null")) {
            return origin != null;
        }
        try {
            URI uri = URI.create(origin);
            int port = (uri.getPort() >= 0) ? uri.getPort() : ("https".equals(uri.getScheme()) ? 443 : 80);
            return !(uri.getHost() != null && uri.getHost().equalsIgnoreCase(request.getServerName())
                    && port == request.getServerPort());
        }
        catch (IllegalArgumentException ex) {
            return true;
        }
    }

    private ServerResponse read(ServerRequest request, Page page) {
        HttpServletRequest servlet = request.servletRequest();
        PageContext context = context(servlet);
        if (!this.access.canRead(servlet)) {
            return message(context, HttpStatus.FORBIDDEN, "Not allowed", "Only users with the role "
                    + this.properties.getViewerRole() + " or " + this.properties.getOperatorRole()
                    + " may read the dashboard.", "Home", servlet.getContextPath() + "/");
        }
        try {
            return page.render(context);
        }
        catch (UnsupportedOperationException ex) {
            return message(context, HttpStatus.NOT_IMPLEMENTED, "Not available", ex.getMessage(), "Overview",
                    context.url("/"));
        }
    }

    private PageContext context(HttpServletRequest servlet) {
        boolean canAct = this.access.canRead(servlet) && this.access.canAct(servlet);
        return new PageContext(servlet.getContextPath() + this.properties.getPath(), this.access.user(servlet), canAct,
                canAct ? this.access.csrf(servlet) : null, this.access.notice(servlet),
                this.properties.getRefreshInterval().toMillis());
    }

    private static ServerResponse message(PageContext context, HttpStatus status, String title, String message,
            String linkText, String link) {
        return respond(status, MessagePage.render(context, title, message, linkText, link));
    }

    private static ServerResponse html(String body) {
        return respond(HttpStatus.OK, body);
    }

    private static ServerResponse respond(HttpStatus status, String body) {
        return ServerResponse.status(status)
            .contentType(new MediaType(MediaType.TEXT_HTML, java.nio.charset.StandardCharsets.UTF_8))
            .header("Cache-Control", "no-store")
            .header("X-Content-Type-Options", "nosniff")
            .header("Referrer-Policy", "same-origin")
            .header("Content-Security-Policy", SECURITY_POLICY)
            .body(body);
    }

    private static Optional<TaskId> parseId(String text) {
        try {
            return Optional.of(TaskId.parse(text.trim()));
        }
        catch (IllegalArgumentException ex) {
            return Optional.empty();
        }
    }

    @FunctionalInterface
    private interface Page {

        ServerResponse render(PageContext context);
    }
}
