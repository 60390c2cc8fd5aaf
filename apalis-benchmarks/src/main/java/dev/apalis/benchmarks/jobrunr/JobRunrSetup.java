package dev.apalis.benchmarks.jobrunr;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import javax.sql.DataSource;

import org.jobrunr.jobs.Job;
import org.jobrunr.jobs.JobDetails;
import org.jobrunr.jobs.JobParameter;
import org.jobrunr.jobs.filters.ApplyStateFilter;
import org.jobrunr.jobs.mappers.JobMapper;
import org.jobrunr.jobs.states.JobState;
import org.jobrunr.jobs.states.SucceededState;
import org.jobrunr.scheduling.JobScheduler;
import org.jobrunr.server.BackgroundJobServer;
import org.jobrunr.server.BackgroundJobServerConfiguration;
import org.jobrunr.server.JobActivator;
import org.jobrunr.storage.StorageProvider;
import org.jobrunr.storage.sql.postgres.PostgresStorageProvider;
import org.jobrunr.utils.mapper.JsonMapper;
import org.jobrunr.utils.mapper.jackson.JacksonJsonMapper;

import dev.apalis.benchmarks.BenchmarkDatabase;
import dev.apalis.benchmarks.CompletionTracker;
import dev.apalis.benchmarks.ParallelPush;

/**
 * How the JobRunr scenarios use JobRunr (the open-source library, no Spring starter): its SQL storage for
 * PostgreSQL, which creates its own tables, in a schema of its own (the pool's search path); a Jackson
 * JSON mapper; a static no-op job; a background job server with its defaults except the worker count
 * and, where given, the poll interval.
 */
final class JobRunrSetup {

    static final String SCHEMA = "bench_jobrunr";

    private static final JobActivator NO_ACTIVATOR = new JobActivator() {

        @Override
        public <T> T activateJob(Class<T> type) {
            return null;
        }
    };

    private JobRunrSetup() {
    }

    static JsonMapper jsonMapper() {
        return new JacksonJsonMapper();
    }

    /** A storage provider on an empty schema; JobRunr creates its tables. */
    static StorageProvider freshStorage(BenchmarkDatabase database, DataSource dataSource, JsonMapper json) {
        database.recreateSchema(SCHEMA);
        PostgresStorageProvider storage = new PostgresStorageProvider(dataSource);
        storage.setJobMapper(new JobMapper(json));
        return storage;
    }

    static void enqueue(JobScheduler scheduler, int n) {
        Integer boxed = n;
        scheduler.enqueue(() -> JobRunrNoop.run(boxed));
    }

    static void enqueue(JobScheduler scheduler, int from, int to) {
        scheduler.<Integer>enqueue(IntStream.range(from, to).boxed(), n -> JobRunrNoop.run(n));
    }

    /**
     * Queues tasks {@code 0..count-1} from several threads (untimed set-up). Jobs are built as the
     * {@code enqueue} path builds them (a static call of {@link JobRunrNoop#run} with the number) and saved
     * in batches through the storage provider, skipping the per-job lambda analysis of {@code enqueue},
     * which makes filling 50,000 jobs take a minute on two cores; the rows are the same (same signature, name,
     * parameters and ENQUEUED state).
     */
    static void fill(StorageProvider storage, int count, int threads, int batchSize) throws Exception {
        ParallelPush.run(count, threads, batchSize, (from, to) -> {
            List<Job> jobs = new ArrayList<>(to - from);
            for (int n = from; n < to; n++) {
                Job job = new Job(new JobDetails(JobRunrNoop.class.getName(), null, "run",
                        List.of(new JobParameter(Integer.class, n))));
                job.setJobName(JobRunrNoop.class.getName() + ".run(" + n + ")");
                jobs.add(job);
            }
            storage.save(jobs);
        });
    }

    static long countSucceeded(BenchmarkDatabase database) {
        return database.count("SELECT count(*) FROM bench_jobrunr.jobrunr_jobs WHERE state = 'SUCCEEDED'");
    }

    /**
     * A background job server.
     * @param storage the storage
     * @param json the JSON mapper
     * @param workers the worker count
     * @param pollInterval the poll interval
     * @param acks counts jobs that reached SUCCEEDED; JobRunr applies state filters after it saved the state
     * @return the server, not started
     */
    static BackgroundJobServer server(StorageProvider storage, JsonMapper json, int workers, Duration pollInterval,
            CompletionTracker acks) {
        BackgroundJobServerConfiguration configuration = BackgroundJobServerConfiguration
            .usingStandardBackgroundJobServerConfiguration()
            .andWorkerCount(workers)
            .andPollInterval(pollInterval);
        BackgroundJobServer server = new BackgroundJobServer(storage, json, NO_ACTIVATOR, configuration);
        if (acks != null) {
            server.setJobFilters(List.of(new SucceededCounter(acks)));
        }
        return server;
    }

    private record SucceededCounter(CompletionTracker acks) implements ApplyStateFilter {

        @Override
        public void onStateApplied(Job job, JobState oldState, JobState newState) {
            if (newState instanceof SucceededState) {
                acks.acknowledged();
            }
        }
    }
}
