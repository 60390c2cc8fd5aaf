package dev.apalis.reliability;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import org.junit.jupiter.api.Test;

import org.springframework.dao.DataAccessException;

import dev.apalis.backend.postgres.PostgresStorage;
import dev.apalis.test.DatabaseOutage;
import dev.apalis.test.PostgresDatabase;
import dev.apalis.test.TestPostgres;
import dev.apalis.worker.WorkerBuilder;
import dev.apalis.worker.WorkerContext;
import dev.apalis.worker.WorkerEvent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The database server stops in the middle of a drain and starts again: the workers of two nodes
 * report {@code Error} events, back off (little CPU while it is down), and resume by themselves once
 * it is back. Every task is done, each run exactly once (the outage is shorter than the orphan
 * threshold, and outcomes that could not be written are written when the database is back).
 */
@PostgresDatabase
class DatabaseRestartTest {

    record Job(int n, int millis) {
    }

    static final int TASKS = 3_000;

    static final int NODES = 2;

    static final Duration OUTAGE = Duration.ofSeconds(4);

    @Test
    void workersReportErrorsWhileTheDatabaseIsDownAndResumeByThemselves(TestPostgres.Database database,
            DataSource dataSource) throws Exception {
        DatabaseOutage outage = DatabaseOutage.ofTestServer();
        Db db = new Db(dataSource, "restart");
        Map<Integer, AtomicInteger> runs = new ConcurrentHashMap<>();
        Map<String, List<Throwable>> errors = new ConcurrentHashMap<>();
        List<Instant> starts = new CopyOnWriteArrayList<>();
        List<HikariDataSource> pools = new ArrayList<>();
        List<PostgresStorage> storages = new ArrayList<>();
        List<WorkerContext> workers = new ArrayList<>();
        try {
            for (int i = 1; i <= NODES; i++) {
                HikariDataSource pool = Pools.create(database, 8, 1000);
                pools.add(pool);
                PostgresStorage storage = PostgresStorage.builder(pool).schema("restart").build();
                storages.add(storage);
                String name = "restart-node-" + i;
                errors.put(name, new CopyOnWriteArrayList<>());
                workers.add(WorkerBuilder.named(name).queue("restart").backend(storage)
                    .concurrency(4)
                    .heartbeatInterval(Duration.ofMillis(500))
                    .onEvent((ctx, event) -> {
                        if (event instanceof WorkerEvent.Error error) {
                            errors.get(ctx.name()).add(error.error());
                        }
                        else if (event instanceof WorkerEvent.TaskStarted) {
                            starts.add(event.at());
                        }
                    })
                    .build(Job.class, (job, ctx) -> {
                        runs.computeIfAbsent(job.n(), n -> new AtomicInteger()).incrementAndGet();
                        Thread.sleep(5);
                    })
                    .start());
            }
            storages.get(0).pushAll(Tasks.numbered("restart", 0, TASKS));
            await().atMost(Duration.ofMinutes(1)).until(() -> runs.size() >= TASKS / 4);

            int ranBeforeStop = runs.size();
            CpuMeter cpu = CpuMeter.start("apalis-restart-node-", "apalis-maintenance-restart", "apalis-listener-restart");
            AtomicReference<CpuMeter.Usage> usage = new AtomicReference<>();
            outage.during(() -> {
                // down for OUTAGE: the workers keep running and report errors
                outage.lastsFor(OUTAGE, () -> workers.stream().allMatch(WorkerContext::isRunning));
                usage.set(cpu.stop());
                assertThat(errors).allSatisfy((worker, list) -> assertThat(list).as("Error events of " + worker)
                    .isNotEmpty()
                    .allSatisfy(error -> assertThat(error).isInstanceOf(DataAccessException.class)));
            });
            Instant backAt = outage.backAt();
            int errorEvents = errors.values().stream().mapToInt(List::size).sum();

            await().atMost(Duration.ofMinutes(2)).until(() -> db.countStatus("DONE") == TASKS);
            Instant firstStartAfter = starts.stream().filter(at -> at.isAfter(backAt)).min(Instant::compareTo)
                .orElseThrow();
            Duration resumedAfter = Duration.between(backAt, firstStartAfter);

            assertThat(workers).allSatisfy(worker -> assertThat(worker.isRunning()).isTrue());
            assertThat(db.countByStatus()).containsExactlyEntriesOf(Map.of("DONE", (long) TASKS));
            assertThat(runs).as("tasks run").hasSize(TASKS);
            assertThat(runs.values()).as("runs per task").allSatisfy(count -> assertThat(count.get()).isEqualTo(1));
            assertThat(db.jdbc().queryForObject("SELECT max(attempts) FROM restart.tasks", Integer.class)).isEqualTo(1);
            assertThat(resumedAfter).as("first task started after the database was back").isLessThan(Duration.ofSeconds(20));
            assertThat(usage.get().threadsShare()).as("worker threads' CPU while the database was down: "
                    + usage.get().describe()).isLessThan(0.05);
            assertThat(usage.get().processShare()).as("JVM CPU while the database was down: " + usage.get().describe())
                .isLessThan(0.20);

            Figures.of("database-restart")
                .put("tasks", TASKS)
                .put("nodes", NODES)
                .put("restarts", 1)
                .put("doneBeforeStop", ranBeforeStop)
                .put("downFor", outage.length())
                .put("errorEvents", errorEvents)
                .put("workerThreadsCpu", String.format("%.1f%%", usage.get().threadsShare() * 100))
                .put("jvmCpu", String.format("%.1f%%", usage.get().processShare() * 100))
                .put("firstTaskAfterBack", resumedAfter)
                .put("duplicates", runs.values().stream().filter(count -> count.get() > 1).count())
                .put("lost", TASKS - runs.size())
                .print();
        }
        finally {
            Teardown.stopWorkersThenClose(workers, storages, pools);
        }
    }
}
