package dev.apalis.spring.boot.dashboard;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.apalis.spring.TaskClient;
import dev.apalis.spring.TaskOperator;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskOptions;
import dev.apalis.task.TaskStatus;
import dev.apalis.test.TestPostgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The dashboard over HTTP, on PostgreSQL, behind the test application's Spring Security chain: who may
 * read and act, CSRF, confirmation before every action, the event each action publishes, escaping of
 * stored text, search by id and unique key, and corrections of a selection.
 */
@SpringBootTest(classes = DashboardTestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = { "apalis.dashboard.enabled=true", "apalis.defaults.poll-interval=200ms" })
@DirtiesContext
class DashboardHttpTests {

    private static final TestPostgres.Database DATABASE = TestPostgres.createDatabase("DashboardHttpTests");

    @DynamicPropertySource
    static void dataSource(DynamicPropertyRegistry registry) {
        DATABASE.register(registry);
    }

    @LocalServerPort
    private int port;

    @Autowired
    private TaskClient tasks;

    @Autowired
    private TaskOperator operator;

    @Autowired
    private DashboardTestApplication.ActionEvents events;

    @BeforeEach
    void clearEvents() {
        this.events.events.clear();
    }

    @Test
    void anonymousUsersAreSentToTheApplicationsLogin() {
        HttpResponse<String> response = new DashboardClient(this.port, null).get("/apalis");
        assertThat(response.statusCode()).isIn(302, 401);
    }

    @Test
    void everyPageRendersForAViewerWithoutAnyActionForm() {
        TaskId id = this.tasks.push("report", java.util.Map.of("month", "2026-11"));
        DashboardClient viewer = new DashboardClient(this.port, "viewer");
        for (String path : List.of("/apalis", "/apalis/queues/report?status=PENDING", "/apalis/tasks/" + id,
                "/apalis/failed", "/apalis/schedules")) {
            HttpResponse<String> page = viewer.get(path);
            assertThat(page.statusCode()).as(path).isEqualTo(200);
            assertThat(page.headers().firstValue("Content-Security-Policy")).as(path).isPresent();
            assertThat(page.body()).as(path).contains("read-only").doesNotContain("<form method=\"post\"")
                .doesNotContain("name=\"_csrf\"");
        }
        assertThat(viewer.get("/apalis").body()).contains("<caption>Queues").contains(">report</a>");
        assertThat(viewer.get("/apalis/tasks/" + id).body()).contains("&quot;month&quot; : &quot;2026-11&quot;");
    }

    @Test
    void aViewerGets403OnAForgedPostEvenWithAValidCsrfToken() {
        DashboardClient viewer = new DashboardClient(this.port, "viewer");
        viewer.get("/apalis");
        String token = DashboardClient.csrf(viewer.get("/login").body());

        HttpResponse<String> forged = viewer.post("/apalis/actions", List.of(new String[] { "_csrf", token },
                new String[] { "action", "queue.pause" }, new String[] { "queue", "email" },
                new String[] { "confirmed", "true" }));

        assertThat(forged.statusCode()).isEqualTo(403);
        assertThat(forged.body()).contains("Only users with the role APALIS_OPERATOR may act");
        assertThat(this.operator.pausedQueues()).doesNotContain("email");
        assertThat(this.events.events).isEmpty();
    }

    @Test
    void aPostWithoutTheCsrfTokenIsRefused() {
        DashboardClient operator = new DashboardClient(this.port, "operator");
        assertThat(operator.get("/apalis").body()).contains("name=\"_csrf\"");

        HttpResponse<String> refused = operator.post("/apalis/actions", List.of(new String[] { "action", "queue.pause" },
                new String[] { "queue", "email" }, new String[] { "confirmed", "true" }));

        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(this.operator.pausedQueues()).doesNotContain("email");
        assertThat(this.events.events).isEmpty();
    }

    @Test
    void anActionIsConfirmedFirstThenDonePublishedAndLogged() {
        DashboardClient operator = new DashboardClient(this.port, "operator");
        String token = DashboardClient.csrf(operator.get("/apalis").body());
        List<String[]> fields = new ArrayList<>(List.of(new String[] { "_csrf", token },
                new String[] { "action", "queue.pause" }, new String[] { "queue", "email" }));

        HttpResponse<String> confirmation = operator.post("/apalis/actions", fields);
        assertThat(confirmation.statusCode()).isEqualTo(200);
        assertThat(confirmation.body()).contains("Pause queue email on every node")
            .contains("name=\"confirmed\" value=\"true\"");
        assertThat(this.operator.pausedQueues()).as("nothing changes before the confirmation").doesNotContain("email");

        fields.add(new String[] { "confirmed", "true" });
        HttpResponse<String> done = operator.post("/apalis/actions", fields);
        assertThat(done.statusCode()).isEqualTo(200);
        assertThat(done.body()).contains("Queue email is paused on every node.");
        assertThat(this.operator.pausedQueues()).contains("email");
        assertThat(this.events.events).singleElement().satisfies((event) -> {
            assertThat(event.getUser()).isEqualTo("operator");
            assertThat(event.getAction()).isEqualTo("queue.pause");
            assertThat(event.getQueue()).isEqualTo("email");
            assertThat(event.getChanged()).isEqualTo(1);
        });
        this.operator.resume("email", "test");
    }

    @Test
    void storedTextIsEscapedOnEveryPage() {
        String hostile = "<script>alert('x')</script>";
        TaskId id = this.tasks.push("hostile", hostile, TaskOptions.defaults().uniqueKey(hostile));
        DashboardClient viewer = new DashboardClient(this.port, "viewer");
        for (String path : List.of("/apalis/tasks/" + id, "/apalis/queues/hostile", "/apalis")) {
            String body = viewer.get(path).body();
            assertThat(body).as(path).doesNotContain("<script>alert");
        }
        assertThat(viewer.get("/apalis/tasks/" + id).body()).contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
    }

    @Test
    void searchFindsATaskByIdOrByUniqueKeyWhateverItsStatus() {
        TaskId id = this.tasks.push("lookup", "{}", TaskOptions.defaults().uniqueKey("invoice-7"));
        this.operator.cancel(id);
        DashboardClient viewer = new DashboardClient(this.port, "viewer");

        HttpResponse<String> byId = viewer.get("/apalis/search?q=" + id);
        assertThat(byId.statusCode()).isEqualTo(303);
        assertThat(byId.headers().firstValue("Location")).hasValue("/apalis/tasks/" + id);

        String byKey = viewer.get("/apalis/search?q=invoice-7&queue=lookup").body();
        assertThat(byKey).contains(id.toString()).contains("KILLED");
        assertThat(viewer.get("/apalis/search?q=invoice-8").body()).contains("No task has the id or unique key");
    }

    @Test
    void aSelectionIsCorrectedTaskByTaskAndOnlyTheSelectedOnes() {
        List<TaskId> ids = this.tasks.pushAll("selection", List.of("a", "b", "c"));
        DashboardClient operator = new DashboardClient(this.port, "operator");
        String page = operator.get("/apalis/queues/selection?status=PENDING").body();
        assertThat(page).contains("value=\"selection.cancel\"");
        String token = DashboardClient.csrf(page);

        HttpResponse<String> done = operator.post("/apalis/actions", List.of(new String[] { "_csrf", token },
                new String[] { "action", "selection.cancel" }, new String[] { "queue", "selection" },
                new String[] { "status", "PENDING" }, new String[] { "id", ids.get(0).toString() },
                new String[] { "id", ids.get(1).toString() }, new String[] { "confirmed", "true" }));

        assertThat(done.body()).contains("Cancelled 2 of 2 tasks.");
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(this.tasks.status(ids.get(0))).hasValue(TaskStatus.KILLED);
            assertThat(this.tasks.status(ids.get(1))).hasValue(TaskStatus.KILLED);
            assertThat(this.tasks.status(ids.get(2))).hasValue(TaskStatus.PENDING);
        });
        assertThat(this.events.events).singleElement().satisfies((event) -> {
            assertThat(event.getTaskIds()).containsExactly(ids.get(0), ids.get(1));
            assertThat(event.getChanged()).isEqualTo(2);
        });
    }
}
