package dev.apalis.spring.boot.dashboard;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.sql.DataSource;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.apalis.test.TestPostgres;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every page of the dashboard renders in less than 200 ms (median of five, after a warm-up) with
 * 1,000,000 finished tasks (900,000 done, 100,000 killed) and 100,000 waiting ones in one queue,
 * seeded by one {@code INSERT ... SELECT generate_series} statement. The figures are printed with a
 * baseline (a static file through the same security chain); on a machine so busy that the baseline
 * exceeds 50 ms the limit is raised by twice the baseline, and the output says so. See docs/dashboard.md.
 */
@SpringBootTest(classes = DashboardTestApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "apalis.dashboard.enabled=true")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@DirtiesContext
class DashboardPerformanceTests {

    private static final long LIMIT_MILLIS = 200;

    private static final int RUNS = 5;

    private static final long BUSY_BASELINE_MILLIS = 50;

    private static final TestPostgres.Database DATABASE = TestPostgres.createDatabase("DashboardPerformanceTests");

    private static final String SEED = """
            INSERT INTO apalis.tasks (id, queue, payload, status, attempts, run_at, last_error, unique_key, created_at,
                                      finished_at)
            SELECT gen_random_uuid(), 'big', jsonb_build_object('n', g),
                   CASE WHEN g <= 900000 THEN 'DONE' WHEN g <= 1000000 THEN 'KILLED' ELSE 'PENDING' END,
                   CASE WHEN g <= 1000000 THEN 1 ELSE 0 END,
                   now() - (1100000 - g) * interval '1 millisecond',
                   CASE WHEN g > 900000 AND g <= 1000000 THEN 'java.lang.IllegalStateException: broke ' || g END,
                   CASE WHEN g % 10 = 0 THEN 'key-' || g END,
                   now() - (1100000 - g) * interval '1 millisecond',
                   CASE WHEN g <= 1000000 THEN now() - (1100000 - g) * interval '1 millisecond' END
            FROM generate_series(1, 1100000) AS g""";

    @DynamicPropertySource
    static void dataSource(DynamicPropertyRegistry registry) {
        DATABASE.register(registry);
    }

    @LocalServerPort
    private int port;

    @Autowired
    private DataSource dataSource;

    @BeforeAll
    void seed() {
        JdbcTemplate jdbc = new JdbcTemplate(this.dataSource);
        long started = System.nanoTime();
        jdbc.update(SEED);
        jdbc.execute("ANALYZE apalis.tasks");
        System.out.printf("Seeded 1,100,000 tasks in %d ms%n", (System.nanoTime() - started) / 1_000_000);
    }

    @Test
    void everyPageRendersInLessThan200MillisecondsOverAMillionFinishedAndAHundredThousandWaitingTasks() {
        DashboardClient viewer = new DashboardClient(this.port, "viewer");
        String donePage = viewer.get("/apalis/queues/big?status=DONE").body();
        String next = match(donePage, "after=([^\"]+)\" rel=\"next\"");
        String taskId = match(donePage, "/apalis/tasks/([0-9a-f-]{36})");
        Map<String, String> pages = new LinkedHashMap<>();
        pages.put("overview", "/apalis");
        pages.put("queue, pending", "/apalis/queues/big?status=PENDING");
        pages.put("queue, done", "/apalis/queues/big?status=DONE");
        pages.put("queue, killed", "/apalis/queues/big?status=KILLED");
        pages.put("queue, done, next page", "/apalis/queues/big?status=DONE&after=" + next);
        pages.put("task", "/apalis/tasks/" + taskId);
        pages.put("failed and killed", "/apalis/failed");
        pages.put("schedules", "/apalis/schedules");
        pages.put("search by unique key", "/apalis/search?q=key-500000&queue=big");

        List<String> report = new ArrayList<>();
        Map<String, Long> medians = new LinkedHashMap<>();
        pages.forEach((name, path) -> {
            long[] millis = time(() -> viewer.get(path), path);
            medians.put(name, millis[RUNS / 2]);
            report.add(String.format("%-24s median %4d ms, max %4d ms", name, millis[RUNS / 2], millis[RUNS - 1]));
        });

        DashboardClient operator = new DashboardClient(this.port, "operator");
        String token = DashboardClient.csrf(operator.get("/apalis/queues/big?status=KILLED").body());
        long[] confirm = time(() -> operator.post("/apalis/actions", List.of(new String[] { "_csrf", token },
                new String[] { "action", "filter.retry" }, new String[] { "queue", "big" },
                new String[] { "status", "KILLED" })), "confirmation");
        medians.put("confirmation of a bulk retry", confirm[RUNS / 2]);
        report.add(String.format("%-24s median %4d ms, max %4d ms", "bulk retry confirmation", confirm[RUNS / 2],
                confirm[RUNS - 1]));
        long[] baseline = time(() -> viewer.get("/apalis/assets/dashboard.css"), "baseline");
        report.add(String.format("%-24s median %4d ms, max %4d ms", "baseline (a static file)", baseline[RUNS / 2],
                baseline[RUNS - 1]));
        System.out.println("Dashboard pages over 1,000,000 finished and 100,000 waiting tasks:");
        report.forEach(System.out::println);

        assertThat(viewer.get("/apalis").body()).contains("≈ ");
        // On a machine so busy that a static file takes more than 50 ms through the same chain, the figures
        // measure the machine, not the pages: there each page must stay under 200 ms plus twice that baseline
        long allowance = (baseline[RUNS / 2] > BUSY_BASELINE_MILLIS) ? 2 * baseline[RUNS / 2] : 0;
        if (allowance > 0) {
            System.out.println("The machine is busy (a static file takes " + baseline[RUNS / 2] + " ms): checking "
                    + "pages against " + LIMIT_MILLIS + " ms plus " + allowance + " ms");
        }
        assertThat(medians).allSatisfy((name, median) -> assertThat(median - allowance).as(name)
            .isLessThan(LIMIT_MILLIS));
    }

    private static long[] time(java.util.function.Supplier<HttpResponse<String>> request, String what) {
        for (int i = 0; i < 2; i++) {
            assertThat(request.get().statusCode()).as(what).isEqualTo(200);
        }
        long[] millis = new long[RUNS];
        for (int i = 0; i < RUNS; i++) {
            long started = System.nanoTime();
            HttpResponse<String> response = request.get();
            millis[i] = (System.nanoTime() - started) / 1_000_000;
            assertThat(response.statusCode()).as(what).isEqualTo(200);
        }
        java.util.Arrays.sort(millis);
        return millis;
    }

    private static String match(String page, String regex) {
        Matcher matcher = Pattern.compile(regex).matcher(page);
        assertThat(matcher.find()).as(regex).isTrue();
        return matcher.group(1);
    }
}
