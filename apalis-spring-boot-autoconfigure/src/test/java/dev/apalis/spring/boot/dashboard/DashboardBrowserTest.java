package dev.apalis.spring.boot.dashboard;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.NoSuchElementException;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.interactions.Actions;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.apalis.backend.postgres.PostgresStorage;
import dev.apalis.spring.TaskClient;
import dev.apalis.spring.TaskOperator;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskStatus;
import dev.apalis.test.TestPostgres;
import dev.apalis.worker.WorkerBuilder;
import dev.apalis.worker.WorkerContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The dashboard as a person uses it, in headless Chromium through Selenium WebDriver, on PostgreSQL
 * behind the test application's Spring Security chain (form login). Saves screenshots to
 * {@code target/dashboard-screenshots/}.
 */
@SpringBootTest(classes = DashboardTestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = { "apalis.dashboard.enabled=true", "apalis.dashboard.refresh-interval=1s",
                "apalis.defaults.poll-interval=200ms", "apalis.heartbeat.interval=1s" })
@DirtiesContext
class DashboardBrowserTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private static final TestPostgres.Database DATABASE = TestPostgres.createDatabase("DashboardBrowserTest");

    private static ChromeDriver browser;

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
    private DashboardTestApplication.Handlers handlers;

    @BeforeAll
    static void startBrowser() {
        Browser.requireInstalled();
        browser = Browser.start();
    }

    @AfterAll
    static void stopBrowser() {
        if (browser != null) {
            browser.quit();
        }
    }

    @BeforeEach
    void signOut() {
        browser.manage().deleteAllCookies();
    }

    @AfterEach
    void leaveNoPause() {
        this.operator.resume("shared", "test");
    }

    private String url(String path) {
        return "http://localhost:" + this.port + path;
    }

    private void signIn(String user) {
        browser.get(url("/apalis"));
        assertThat(browser.getCurrentUrl()).as("the application's login page").contains("/login");
        browser.findElement(By.id("username")).sendKeys(user);
        browser.findElement(By.id("password")).sendKeys(user);
        browser.findElement(By.id("password")).submit();
        await().atMost(WAIT).untilAsserted(() -> assertThat(browser.findElement(By.tagName("h1")).getText())
            .as("signed in as %s: %s", user, browser.getCurrentUrl())
            .isEqualTo("Overview"));
    }

    /** The text of an element, once the page that follows a click has it. */
    private String text(String css) {
        return await().atMost(WAIT).ignoreException(NoSuchElementException.class)
            .ignoreException(StaleElementReferenceException.class)
            .until(() -> browser.findElement(By.cssSelector(css)).getText(), (text) -> true);
    }

    /** The text of a table's row, read again if live refresh replaced the table meanwhile. */
    private String row(String table, String header) {
        return await().atMost(WAIT).ignoreException(StaleElementReferenceException.class)
            .until(() -> browser.findElement(By.id(table))
                .findElement(By.xpath(".//tbody/tr[th[normalize-space()='" + header + "']]"))
                .getText(), (text) -> true);
    }

    @Test
    void anOperatorFollowsAQueueToAKilledTaskRetriesItAndWatchesItSucceed() {
        this.handlers.fixed.set(false);
        TaskId id = this.tasks.push("fragile", Map.of("to", "ada@example.com", "subject", "Welcome"));
        await().atMost(WAIT).until(() -> this.tasks.status(id).orElseThrow() == TaskStatus.KILLED);
        signIn("operator");

        browser.findElement(By.cssSelector("#queues")).findElement(By.linkText("fragile")).click();
        assertThat(text("h1")).isEqualTo("Queue fragile");
        browser.findElement(By.partialLinkText("Killed (")).click();
        browser.findElement(By.linkText(id.toString())).click();
        assertThat(text("h1")).isEqualTo("Task " + id);
        assertThat(text("#task-facts")).contains("KILLED").contains("554 5.7.1 rejected");
        assertThat(text("pre.payload")).contains("\"to\" : \"ada@example.com\"");
        Browser.screenshot(browser, "task-killed");

        this.handlers.fixed.set(true);
        browser.findElement(By.xpath("//button[normalize-space()='Retry task']")).click();
        assertThat(text("#confirmation")).isEqualTo("Retry task " + id + ".");
        browser.findElement(By.id("confirm")).click();
        assertThat(text("#message")).isEqualTo("Retried 1 of 1 task.");
        browser.findElement(By.id("continue")).click();

        await().atMost(WAIT).untilAsserted(() -> {
            browser.navigate().refresh();
            assertThat(text("#task-facts")).contains("Status\nDONE");
        });
        Browser.screenshot(browser, "task-done");
    }

    @Test
    void anOperatorCancelsEveryPendingTaskOfAQueueAfterAConfirmationThatSaysHowMany() {
        this.tasks.pushAll("backlog", java.util.stream.IntStream.range(0, 30).mapToObj((i) -> "item " + i).toList());
        signIn("operator");

        browser.get(url("/apalis/queues/backlog?status=PENDING"));
        assertThat(browser.findElements(By.cssSelector("#tasks tbody tr"))).hasSize(30);
        browser.findElement(By.xpath("//button[normalize-space()='Cancel all PENDING tasks…']")).click();
        assertThat(text("#confirmation")).startsWith("Cancel 30 PENDING tasks in queue backlog");
        assertThat(this.operator.list("backlog", TaskStatus.PENDING, null, 100).tasks()).hasSize(30);
        Browser.screenshot(browser, "bulk-cancel-confirmation");

        browser.findElement(By.id("confirm")).click();
        assertThat(text("#message")).isEqualTo("Cancelled 30 PENDING tasks of queue backlog.");
        assertThat(this.operator.list("backlog", TaskStatus.PENDING, null, 100).tasks()).isEmpty();
        assertThat(this.operator.list("backlog", TaskStatus.KILLED, null, 100).tasks()).hasSize(30);
    }

    @Test
    void pausingAQueueStopsEveryNodeFromClaimingUntilItIsResumed() throws Exception {
        AtomicInteger ranOnOtherNode = new AtomicInteger();
        try (PostgresStorage otherNode = PostgresStorage.builder(DATABASE.newDataSource()).maintenance(false).build()) {
            WorkerContext otherWorker = WorkerBuilder.named("shared")
                .queue("shared")
                .backend(otherNode)
                .pollInterval(Duration.ofMillis(200))
                .heartbeatInterval(Duration.ofSeconds(1))
                .build(String.class, (payload, context) -> ranOnOtherNode.incrementAndGet())
                .start();
            try {
                signIn("operator");
                await().atMost(WAIT).ignoreException(StaleElementReferenceException.class).untilAsserted(() -> {
                    browser.navigate().refresh();
                    assertThat(browser.findElement(By.id("cluster-workers"))
                        .findElements(By.xpath(".//tbody/tr[th[normalize-space()='shared']]"))).hasSize(2);
                });
                browser.findElement(By.xpath("//button[normalize-space()='Pause queue shared']")).click();
                assertThat(text("#confirmation")).startsWith("Pause queue shared on every node");
                browser.findElement(By.id("confirm")).click();
                assertThat(text("#message")).isEqualTo("Queue shared is paused on every node.");

                int ranHereBefore = this.handlers.sharedRuns.get();
                List<TaskId> ids = this.tasks.pushAll("shared", java.util.stream.IntStream.range(0, 20)
                    .mapToObj((i) -> "job " + i).toList());
                await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
                    assertThat(ranOnOtherNode).hasValue(0);
                    assertThat(this.handlers.sharedRuns).hasValue(ranHereBefore);
                });
                assertThat(ids).allSatisfy((id) -> assertThat(this.tasks.status(id)).hasValue(TaskStatus.PENDING));
                browser.get(url("/apalis"));
                assertThat(row("queues", "shared")).contains("Paused (every node)");
                Browser.screenshot(browser, "overview-queue-paused");

                browser.findElement(By.xpath("//button[normalize-space()='Resume queue shared']")).click();
                assertThat(text("#confirmation")).startsWith("Resume queue shared on every node");
                browser.findElement(By.id("confirm")).click();
                assertThat(text("#message")).isEqualTo("Queue shared is running again on every node.");
                await().atMost(WAIT).untilAsserted(() -> assertThat(ids)
                    .allSatisfy((id) -> assertThat(this.tasks.status(id)).hasValue(TaskStatus.DONE)));
                assertThat(ranOnOtherNode.get() + this.handlers.sharedRuns.get() - ranHereBefore).isEqualTo(20);
                browser.get(url("/apalis"));
                assertThat(row("queues", "shared")).contains("Running");
                Browser.screenshot(browser, "overview");

                // live refresh: a pause made elsewhere shows without reloading the page
                this.operator.pause("shared", "another operator");
                await().atMost(WAIT).untilAsserted(() -> assertThat(row("queues", "shared"))
                    .contains("Paused (every node)"));
                assertThat(text("#live-status")).startsWith("Updated");
            }
            finally {
                otherWorker.stop();
            }
        }
    }

    @Test
    void liveRefreshWaitsWhileAButtonIsPressedSoThatTheClickIsNotLost() {
        signIn("operator");
        await().atMost(WAIT).until(() -> text("#live-status").startsWith("Updated"));
        WebElement pause = browser.findElement(By.xpath("//button[normalize-space()='Pause queue shared']"));
        Actions mouse = new Actions(browser);
        mouse.clickAndHold(pause).perform();
        String pressed = text("#live-status");
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(6))
            .until(() -> text("#live-status").equals(pressed));
        mouse.release().perform();
        assertThat(text("#confirmation")).startsWith("Pause queue shared on every node");
    }

    @Test
    void aViewerSeesNoActionAndAForgedPostIsForbidden() {
        this.tasks.push("backlog", "for the viewer");
        signIn("viewer");
        assertThat(text("p.user")).contains("viewer").contains("read-only");
        assertThat(browser.findElements(By.cssSelector("main form[method=post]"))).isEmpty();
        assertThat(browser.findElements(By.cssSelector("main button"))).extracting(WebElement::getText)
            .containsOnly("Find");
        browser.get(url("/apalis/queues/backlog?status=PENDING"));
        assertThat(browser.findElements(By.cssSelector("main form[method=post]"))).isEmpty();
        assertThat(browser.findElements(By.cssSelector("main button"))).extracting(WebElement::getText)
            .containsOnly("Find");
        assertThat(browser.findElements(By.cssSelector("input[type=checkbox]"))).isEmpty();
        Browser.screenshot(browser, "viewer-queue");

        Object status = browser.executeAsyncScript("""
                const done = arguments[arguments.length - 1];
                fetch('/login').then(r => r.text()).then(page => {
                  const token = new DOMParser().parseFromString(page, 'text/html')
                    .querySelector('input[name=_csrf]').value;
                  const body = new URLSearchParams({ _csrf: token, action: 'queue.pause', queue: 'backlog',
                    confirmed: 'true' });
                  return fetch('/apalis/actions', { method: 'POST', body });
                }).then(r => done(r.status), e => done(String(e)));
                """);
        assertThat(status).isEqualTo(403L);
        assertThat(this.operator.pausedQueues()).doesNotContain("backlog");
    }

    @Test
    void aPostWithoutTheCsrfTokenIsRefused() {
        signIn("operator");
        assertThat(browser.findElements(By.cssSelector("main form input[name=_csrf]"))).isNotEmpty();

        Object status = browser.executeAsyncScript("""
                const done = arguments[arguments.length - 1];
                const body = new URLSearchParams({ action: 'queue.pause', queue: 'backlog', confirmed: 'true' });
                fetch('/apalis/actions', { method: 'POST', body }).then(r => done(r.status), e => done(String(e)));
                """);
        assertThat(status).isEqualTo(403L);
        assertThat(this.operator.pausedQueues()).doesNotContain("backlog");
    }
}
