package dev.apalis.benchmarks;

import java.lang.management.ManagementFactory;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Describes where a run happened, for the report: processors, memory, operating system, JVM, and the
 * database's settings.
 */
public final class Environment {

    private Environment() {
    }

    /**
     * @param database the database of the run
     * @return a description
     */
    public static Map<String, Object> describe(BenchmarkDatabase database) {
        Map<String, Object> environment = new LinkedHashMap<>();
        environment.put("processors", Runtime.getRuntime().availableProcessors());
        environment.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                + System.getProperty("os.arch"));
        environment.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        environment.put("jvmMaxHeapMb", Runtime.getRuntime().maxMemory() / (1024 * 1024));
        environment.put("jvmArguments", ManagementFactory.getRuntimeMXBean().getInputArguments());
        environment.put("database", database.describe());
        return environment;
    }

    /**
     * The workload and the peers' settings, for the report.
     * @param options the options of the run
     * @return a description
     */
    public static Map<String, Object> parameters(BenchmarkOptions options) {
        Workload workload = options.workload();
        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put("tasks", workload.tasks());
        parameters.put("threads", workload.threads());
        parameters.put("poolSize", workload.poolSize());
        parameters.put("repeat", options.repeat());
        parameters.put("warmUpTasks", options.warmUpTasks());
        parameters.put("pushTasks", workload.pushTasks());
        parameters.put("batchSize", workload.batchSize());
        parameters.put("latencyTasks", workload.latencyTasks());
        parameters.put("dbSchedulerLatencyTasks", workload.latencyTasksFor(options.dbSchedulerPollInterval()));
        parameters.put("jobRunrLatencyTasks", workload.latencyTasksFor(options.jobRunrPollInterval()));
        parameters.put("latencyRatePerSecond", workload.latencyRate());
        parameters.put("dbSchedulerPollInterval", options.dbSchedulerPollInterval().toString());
        parameters.put("jobRunrPollInterval", options.jobRunrPollInterval().toString());
        parameters.put("systems", options.systems());
        return parameters;
    }
}
