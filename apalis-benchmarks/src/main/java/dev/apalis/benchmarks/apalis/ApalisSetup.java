package dev.apalis.benchmarks.apalis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import dev.apalis.backend.Backend;
import dev.apalis.backend.postgres.PostgresStorage;
import dev.apalis.benchmarks.BenchmarkDatabase;
import dev.apalis.benchmarks.BenchmarkOptions;
import dev.apalis.benchmarks.CompletionTracker;
import dev.apalis.benchmarks.ParallelPush;
import dev.apalis.benchmarks.TaskProbe;
import dev.apalis.task.JsonPayloadCodec;
import dev.apalis.task.NewTask;
import dev.apalis.task.TaskOptions;
import dev.apalis.worker.Worker;
import dev.apalis.worker.WorkerBuilder;
import dev.apalis.worker.WorkerContext;
import dev.apalis.worker.WorkerEvent;

/**
 * How the Apalis scenarios use Apalis: a {@link PostgresStorage} with its defaults (LISTEN/NOTIFY on) on a
 * schema of its own, payloads encoded by the default JSON codec as an application's push would, and a
 * worker with the library's defaults except concurrency and, where a scenario says so, prefetch.
 */
final class ApalisSetup {

    static final String SCHEMA = "bench_apalis";

    static final String QUEUE = "bench";

    private static final JsonPayloadCodec CODEC = JsonPayloadCodec.withDefaults();

    private ApalisSetup() {
    }

    /** A storage on an empty schema (dropped first, then created by the storage itself). */
    static PostgresStorage freshStorage(BenchmarkDatabase database, DataSource dataSource) {
        return freshStorage(database, dataSource, PostgresStorage.DEFAULT_DONE_RETENTION);
    }

    static PostgresStorage freshStorage(BenchmarkDatabase database, DataSource dataSource, Duration doneRetention) {
        database.dropSchema(SCHEMA);
        return PostgresStorage.builder(dataSource).schema(SCHEMA).doneRetention(doneRetention).build();
    }

    static NewTask task(int n) {
        return task(QUEUE, n);
    }

    static NewTask task(String queue, int n) {
        return new NewTask(queue, CODEC.encode(new NoopPayload(n)), TaskOptions.defaults());
    }

    static List<NewTask> tasks(int from, int to) {
        List<NewTask> tasks = new ArrayList<>(to - from);
        for (int n = from; n < to; n++) {
            tasks.add(task(n));
        }
        return tasks;
    }

    /** Queues tasks {@code 0..count-1} with batched pushes from several threads (untimed set-up). */
    static void fill(PostgresStorage storage, int count, int threads, int batchSize) throws Exception {
        ParallelPush.run(count, threads, batchSize, (from, to) -> storage.pushAll(tasks(from, to)));
    }

    /**
     * A no-op worker on the benchmark queue.
     * @param storage the storage
     * @param concurrency handler threads
     * @param prefetch tasks claimed ahead of free slots, or {@link BenchmarkOptions#ADAPTIVE_PREFETCH}
     * @param probe called as each handler starts
     * @param acks counts {@code TaskSucceeded} events, which the worker emits after the acknowledgement is written
     * @return the worker, not started
     */
    static Worker worker(Backend storage, int concurrency, int prefetch, TaskProbe probe,
            CompletionTracker acks) {
        return countingWorker(storage, QUEUE, concurrency, prefetch, probe,
                (acks != null) ? acks::acknowledged : null);
    }

    /**
     * A no-op worker that calls {@code acknowledged} for every {@code TaskSucceeded} event.
     * @param storage the storage
     * @param queue the queue, also the worker's name
     * @param concurrency handler threads
     * @param prefetch tasks claimed ahead of free slots, or {@link BenchmarkOptions#ADAPTIVE_PREFETCH}
     * @param probe called as each handler starts
     * @param acknowledged called after each acknowledgement is written, or {@code null}
     * @return the worker, not started
     */
    static Worker countingWorker(Backend storage, String queue, int concurrency, int prefetch, TaskProbe probe,
            Runnable acknowledged) {
        WorkerBuilder builder = WorkerBuilder.named(queue).backend(storage).concurrency(concurrency);
        if (prefetch != BenchmarkOptions.ADAPTIVE_PREFETCH) {
            builder.prefetch(prefetch);
        }
        return builder
            .shutdownTimeout(Duration.ofSeconds(10))
            .onEvent((context, event) -> {
                if (acknowledged != null && event instanceof WorkerEvent.TaskSucceeded) {
                    acknowledged.run();
                }
            })
            .build(NoopPayload.class, (payload, context) -> {
                probe.started(payload.n());
                probe.finished(payload.n());
            });
    }

    static void stop(WorkerContext worker) throws InterruptedException {
        worker.stop();
        if (!worker.awaitTermination(Duration.ofSeconds(30))) {
            throw new IllegalStateException("The Apalis worker did not stop within 30 s");
        }
    }
}
