package dev.apalis.benchmarks.dbscheduler;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.SchedulerBuilder;
import com.github.kagkarlsson.scheduler.SchedulerClient;
import com.github.kagkarlsson.scheduler.SchedulerName;
import com.github.kagkarlsson.scheduler.event.AbstractSchedulerListener;
import com.github.kagkarlsson.scheduler.task.ExecutionComplete;
import com.github.kagkarlsson.scheduler.task.TaskInstance;
import com.github.kagkarlsson.scheduler.task.helper.OneTimeTask;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;

import dev.apalis.benchmarks.BenchmarkDatabase;
import dev.apalis.benchmarks.CompletionTracker;
import dev.apalis.benchmarks.ParallelPush;
import dev.apalis.benchmarks.TaskProbe;

/**
 * How the db-scheduler scenarios use db-scheduler (the core library, no Spring starter): its PostgreSQL
 * table in a schema of its own (the pool's search path), a one-time task whose data is the task's number
 * (stored with db-scheduler's default serializer), and a scheduler with its defaults except the thread
 * count, the polling strategy and, where given, the polling interval.
 */
final class DbSchedulerSetup {

    static final String SCHEMA = "bench_dbscheduler";

    /** db-scheduler's PostgreSQL table as its documentation gives it for version 16, with its indexes. */
    private static final String[] TABLE = {
            """
            CREATE TABLE bench_dbscheduler.scheduled_tasks (
                task_name            text                     NOT NULL,
                task_instance        text                     NOT NULL,
                task_data            bytea,
                execution_time       timestamp with time zone NOT NULL,
                picked               boolean                  NOT NULL,
                picked_by            text,
                last_success         timestamp with time zone,
                last_failure         timestamp with time zone,
                consecutive_failures int,
                last_heartbeat       timestamp with time zone,
                version              bigint                   NOT NULL,
                priority             smallint,
                PRIMARY KEY (task_name, task_instance)
            )""",
            "CREATE INDEX execution_time_idx ON bench_dbscheduler.scheduled_tasks (execution_time)",
            "CREATE INDEX last_heartbeat_idx ON bench_dbscheduler.scheduled_tasks (last_heartbeat)",
            "CREATE INDEX priority_execution_time_idx ON bench_dbscheduler.scheduled_tasks (priority DESC, execution_time ASC)" };

    /** Lower and upper limit fractions of threads: db-scheduler's defaults for {@code fetch}. */
    static final double FETCH_LOWER = 0.5;

    static final double FETCH_UPPER = 3.0;

    /** The values db-scheduler's documentation gives for normal use of {@code lock-and-fetch}. */
    static final double LOCK_AND_FETCH_LOWER = 0.5;

    static final double LOCK_AND_FETCH_UPPER = 1.0;

    private DbSchedulerSetup() {
    }

    static void createTable(BenchmarkDatabase database) {
        database.recreateSchema(SCHEMA);
        database.execute(TABLE);
    }

    static long countRows(BenchmarkDatabase database) {
        return database.count("SELECT count(*) FROM bench_dbscheduler.scheduled_tasks");
    }

    static OneTimeTask<Integer> task(TaskProbe probe) {
        return Tasks.oneTime("noop", Integer.class).execute((instance, context) -> probe.started(instance.getData()));
    }

    static TaskInstance<Integer> instance(OneTimeTask<Integer> task, int n) {
        return task.instance("n" + n, n);
    }

    static List<TaskInstance<?>> instances(OneTimeTask<Integer> task, int from, int to) {
        List<TaskInstance<?>> instances = new ArrayList<>(to - from);
        for (int n = from; n < to; n++) {
            instances.add(instance(task, n));
        }
        return instances;
    }

    /** Queues tasks {@code 0..count-1} with {@code scheduleBatch} from several threads (untimed set-up). */
    static void fill(DataSource dataSource, OneTimeTask<Integer> task, int count, int threads, int batchSize)
            throws Exception {
        SchedulerClient client = SchedulerClient.Builder.create(dataSource, task).build();
        ParallelPush.run(count, threads, batchSize,
                (from, to) -> client.scheduleBatch(instances(task, from, to), Instant.now()));
    }

    /**
     * A scheduler for the task.
     * @param dataSource the pool
     * @param task the task
     * @param threads executor threads
     * @param lockAndFetch whether to poll with {@code lock-and-fetch} rather than the default {@code fetch}
     * @param pollingInterval the polling interval
     * @param acks counts completions; db-scheduler calls its listeners after the completion is written
     * @return the scheduler, not started
     */
    static Scheduler scheduler(DataSource dataSource, OneTimeTask<Integer> task, int threads, boolean lockAndFetch,
            Duration pollingInterval, CompletionTracker acks) {
        SchedulerBuilder builder = Scheduler.create(dataSource, task)
            .threads(threads)
            .pollingInterval(pollingInterval)
            .schedulerName(new SchedulerName.Fixed("bench"))
            .shutdownMaxWait(Duration.ofSeconds(10));
        if (lockAndFetch) {
            builder.pollUsingLockAndFetch(LOCK_AND_FETCH_LOWER, LOCK_AND_FETCH_UPPER);
        }
        else {
            builder.pollUsingFetchAndLockOnExecute(FETCH_LOWER, FETCH_UPPER);
        }
        if (acks != null) {
            builder.addSchedulerListener(new AbstractSchedulerListener() {

                @Override
                public void onExecutionComplete(ExecutionComplete complete) {
                    if (complete.getResult() == ExecutionComplete.Result.OK) {
                        acks.acknowledged();
                    }
                }
            });
        }
        return builder.build();
    }
}
