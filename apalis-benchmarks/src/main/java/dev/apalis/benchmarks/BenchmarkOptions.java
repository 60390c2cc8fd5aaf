package dev.apalis.benchmarks;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The command line of the harness, with its defaults.
 *
 * @param workload how much work each measurement does
 * @param repeat how many times each measurement runs (the median is reported)
 * @param warmUpTasks tasks of the untimed warm-up run of each throughput scenario, 0 for none
 * @param jdbcUrl the database, or {@code null} for an embedded PostgreSQL 17
 * @param jdbcUser the user for {@code jdbcUrl}
 * @param jdbcPassword the password for {@code jdbcUrl}
 * @param embeddedFsync whether the embedded PostgreSQL runs with {@code fsync} on
 * @param dbSchedulerPollInterval db-scheduler's polling interval
 * @param jobRunrPollInterval JobRunr's poll interval
 * @param systems the systems to run (all by default)
 * @param output where the JSON report goes
 * @param memory whether to run the memory mode instead of the comparison
 * @param diagnose whether to run the diagnosis mode instead of the comparison
 * @param prefetches the prefetch settings the diagnosis tries
 * @param help whether only the usage was asked for
 * @param soak the soak mode's settings, or {@code null} when it is not to run
 * @param priority whether to run the priority mode instead of the comparison
 * @param nodes the worker process counts of the nodes mode, empty when it is not to run
 */
public record BenchmarkOptions(Workload workload, int repeat, int warmUpTasks, String jdbcUrl, String jdbcUser,
        String jdbcPassword, boolean embeddedFsync, Duration dbSchedulerPollInterval, Duration jobRunrPollInterval,
        Set<String> systems, Path output, boolean memory, boolean diagnose, List<Integer> prefetches, boolean help,
        SoakSettings soak, boolean priority, List<Integer> nodes) {

    /** The systems {@code --only} accepts. */
    public static final List<String> SYSTEMS = List.of("apalis", "raw", "db-scheduler", "jobrunr");

    /** db-scheduler's default polling interval. */
    public static final Duration DB_SCHEDULER_DEFAULT_POLL = Duration.ofSeconds(10);

    /** JobRunr's default poll interval (its smallest allowed is 5 s). */
    public static final Duration JOBRUNR_DEFAULT_POLL = Duration.ofSeconds(15);

    static final int DEFAULT_MEMORY_TASKS = 1_000_000;

    /** Normal tasks behind the high-priority ones in the priority mode, and tasks of a nodes drain. */
    static final int DEFAULT_PRIORITY_AND_NODES_TASKS = 100_000;

    /**
     * Tasks of the comparison's warm-up run per scenario: enough for the JIT to have compiled the hot paths
     * of the JVM's systems before the first timed run (with 2,000, Apalis's first drain ran at about
     * half the rate of the later ones on 2 cores).
     */
    static final int DEFAULT_COMPARISON_WARM_UP_TASKS = 20_000;

    /** Tasks of the warm-up before the priority mode and of each node of the nodes mode. */
    static final int DEFAULT_MODE_WARM_UP_TASKS = 2_000;

    /** The prefetch setting that keeps the worker's default, the adaptive prefetch. */
    public static final int ADAPTIVE_PREFETCH = -1;

    public static final String USAGE = """
            Usage: java -jar apalis-benchmarks/target/apalis-benchmarks.jar [options]

            Measures push, drain and latency of Apalis, db-scheduler and JobRunr, and a raw SKIP LOCKED
            loop, against one PostgreSQL, and prints a table (also written as JSON).

              --tasks N                    tasks queued before each drain (default 50000; 1000000 with --memory,
                                           100000 with --priority and --nodes)
              --threads N                  worker threads, pushing threads, raw claimers (default 8)
              --repeat N                   runs of each measurement; the median is reported (default 3)
              --push-tasks N               tasks per push measurement (default 10000)
              --batch-size N               tasks per batched push (default 500)
              --latency-tasks N            tasks of a latency run (default 2000); a peer's run pushes at least
                                           for one of its poll intervals (db-scheduler 2000, JobRunr 3000)
              --latency-rate N             pushes per second in latency runs (default 200)
              --warmup-tasks N             tasks of one untimed warm-up run per throughput scenario (default
                                           20000), before --priority and per --nodes node (default 2000);
                                           0 = none
              --jdbc-url URL               PostgreSQL to use (default: start an embedded PostgreSQL 17)
              --jdbc-user NAME             user for --jdbc-url (default postgres)
              --jdbc-password TEXT         password for --jdbc-url (default empty)
              --fsync on|off               fsync of the embedded PostgreSQL (default off, as the embedded
                                           library runs it; on makes every commit wait for the disk and a
                                           full run take about twice as long)
              --db-scheduler-poll DURATION db-scheduler's polling interval (default 10s, its default)
              --jobrunr-poll DURATION      JobRunr's poll interval (default 15s, its default; 5s at least)
              --only LIST                  comma-separated systems: apalis,raw,db-scheduler,jobrunr (default all)
              --output PATH                JSON report (default target/benchmark-results.json)
              --memory                     drain --tasks queued tasks with Apalis only and report the peak heap;
                                           run it with -Xmx256m
              --diagnose                   drain --tasks tasks with Apalis through a metered backend and print
                                           claim sizes, call times and CPU per task, once per --prefetch value
              --prefetch LIST              comma-separated prefetch settings for --diagnose: adaptive (the
                                           worker's default) or a number of tasks (default adaptive,0)
              --soak                       push and drain at the same time at a share of the drain rate measured
                                           first; per window: throughput, push-to-start p50/p99, table and
                                           index sizes; writes soak.csv and soak.png next to --output
              --minutes N                  length of --soak (default 10)
              --length DURATION            length of --soak, instead of --minutes (for short trial runs)
              --window DURATION            one row of --soak (default 1m)
              --load PERCENT               --soak pushes at this share of the measured drain rate (default 50)
              --retention DURATION         done-task retention during --soak; pruning runs every third of it
                                           (default 30s)
              --warmup DURATION            --soak pushes and drains this long before its first window, so that
                                           the table holds a retention's worth of done tasks (default 2m)
              --priority                   drain --tasks normal tasks while tasks of a higher priority are pushed
                                           one by one at --latency-rate, and report how long those waited from
                                           push to start
              --nodes LIST                 drain --tasks tasks with each number of worker processes in the
                                           comma-separated list (for example 1,2,4), each a JVM of its own
              --help                       this text
            Durations: 500ms, 10s, 2m.
            """;

    /**
     * Parses the command line.
     * @param args the arguments
     * @return the options
     * @throws IllegalArgumentException on an unknown option or a bad value
     */
    public static BenchmarkOptions parse(String... args) {
        boolean memory = Arrays.asList(args).contains("--memory");
        Integer tasks = null;
        int threads = 8;
        int repeat = 3;
        int pushTasks = 10_000;
        int batchSize = 500;
        int latencyTasks = 2_000;
        double latencyRate = 200;
        Integer warmUpTasks = null;
        String jdbcUrl = null;
        String jdbcUser = "postgres";
        String jdbcPassword = "";
        boolean embeddedFsync = false;
        Duration dbSchedulerPoll = DB_SCHEDULER_DEFAULT_POLL;
        Duration jobRunrPoll = JOBRUNR_DEFAULT_POLL;
        Set<String> systems = new LinkedHashSet<>(SYSTEMS);
        Path output = Path.of("target", "benchmark-results.json");
        boolean help = false;
        boolean diagnose = false;
        List<Integer> prefetches = null;
        boolean soak = false;
        Duration soakLength = Duration.ofMinutes(SoakSettings.DEFAULT_MINUTES);
        Duration soakWindow = SoakSettings.DEFAULT_WINDOW;
        int soakLoadPercent = SoakSettings.DEFAULT_LOAD_PERCENT;
        Duration soakRetention = SoakSettings.DEFAULT_RETENTION;
        Duration soakWarmUp = SoakSettings.DEFAULT_WARM_UP;
        boolean priority = false;
        List<Integer> nodes = List.of();
        List<String> rest = new ArrayList<>(Arrays.asList(args));
        while (!rest.isEmpty()) {
            String option = rest.remove(0);
            switch (option) {
                case "--memory" -> memory = true;
                case "--diagnose" -> diagnose = true;
                case "--prefetch" -> prefetches = prefetches(option, value(option, rest));
                case "--help", "-h" -> help = true;
                case "--soak" -> soak = true;
                case "--minutes" -> soakLength = Duration.ofMinutes(positive(option, value(option, rest)));
                case "--length" -> soakLength = duration(option, value(option, rest));
                case "--window" -> soakWindow = duration(option, value(option, rest));
                case "--load" -> soakLoadPercent = percent(option, value(option, rest));
                case "--retention" -> soakRetention = duration(option, value(option, rest));
                case "--warmup" -> soakWarmUp = duration(option, value(option, rest));
                case "--priority" -> priority = true;
                case "--nodes" -> nodes = positives(option, value(option, rest));
                case "--tasks" -> tasks = positive(option, value(option, rest));
                case "--threads" -> threads = positive(option, value(option, rest));
                case "--repeat" -> repeat = positive(option, value(option, rest));
                case "--push-tasks" -> pushTasks = positive(option, value(option, rest));
                case "--batch-size" -> batchSize = positive(option, value(option, rest));
                case "--latency-tasks" -> latencyTasks = positive(option, value(option, rest));
                case "--latency-rate" -> latencyRate = positive(option, value(option, rest));
                case "--warmup-tasks" -> warmUpTasks = Math.max(0, integer(option, value(option, rest)));
                case "--jdbc-url" -> jdbcUrl = value(option, rest);
                case "--jdbc-user" -> jdbcUser = value(option, rest);
                case "--jdbc-password" -> jdbcPassword = value(option, rest);
                case "--fsync" -> embeddedFsync = onOff(option, value(option, rest));
                case "--db-scheduler-poll" -> dbSchedulerPoll = duration(option, value(option, rest));
                case "--jobrunr-poll" -> jobRunrPoll = duration(option, value(option, rest));
                case "--only" -> systems = systems(value(option, rest));
                case "--output" -> output = Path.of(value(option, rest));
                default -> throw new IllegalArgumentException("Unknown option " + option + "; see --help");
            }
        }
        if (jobRunrPoll.compareTo(Duration.ofSeconds(5)) < 0) {
            throw new IllegalArgumentException("--jobrunr-poll must be 5s or more (JobRunr's smallest), was "
                    + jobRunrPoll);
        }
        boolean priorityOrNodes = priority || !nodes.isEmpty();
        if (tasks == null) {
            tasks = memory ? DEFAULT_MEMORY_TASKS : priorityOrNodes ? DEFAULT_PRIORITY_AND_NODES_TASKS : 50_000;
        }
        if (warmUpTasks == null) {
            warmUpTasks = priorityOrNodes ? DEFAULT_MODE_WARM_UP_TASKS : DEFAULT_COMPARISON_WARM_UP_TASKS;
        }
        Workload workload = new Workload(tasks, threads, pushTasks, batchSize, latencyTasks, latencyRate);
        return new BenchmarkOptions(workload, repeat, warmUpTasks, jdbcUrl, jdbcUser, jdbcPassword, embeddedFsync,
                dbSchedulerPoll,
                jobRunrPoll, Set.copyOf(systems), output, memory, diagnose,
                (prefetches != null) ? List.copyOf(prefetches) : List.of(ADAPTIVE_PREFETCH, 0), help,
                soak ? new SoakSettings(soakLength, soakWindow, soakLoadPercent, soakRetention, soakWarmUp) : null,
                priority, nodes);
    }

    /** Whether a system (one of {@link #SYSTEMS}) is to run. */
    public boolean runs(String system) {
        return systems.contains(system);
    }

    private static String value(String option, List<String> rest) {
        if (rest.isEmpty()) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return rest.remove(0);
    }

    private static int integer(String option, String text) {
        try {
            return Integer.parseInt(text.replace("_", ""));
        }
        catch (NumberFormatException ex) {
            throw new IllegalArgumentException(option + " needs a whole number, was " + text);
        }
    }

    private static boolean onOff(String option, String text) {
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "on", "true" -> true;
            case "off", "false" -> false;
            default -> throw new IllegalArgumentException(option + " needs on or off, was " + text);
        };
    }

    private static List<Integer> prefetches(String option, String list) {
        List<Integer> values = new ArrayList<>();
        for (String text : list.split(",")) {
            String value = text.trim();
            values.add(value.equalsIgnoreCase("adaptive") ? ADAPTIVE_PREFETCH : Math.max(0, integer(option, value)));
        }
        return values;
    }

    private static List<Integer> positives(String option, String list) {
        List<Integer> values = new ArrayList<>();
        for (String text : list.split(",")) {
            values.add(positive(option, text.trim()));
        }
        return List.copyOf(values);
    }

    private static int percent(String option, String text) {
        int value = positive(option, text);
        if (value > 100) {
            throw new IllegalArgumentException(option + " must be a percentage from 1 to 100, was " + text);
        }
        return value;
    }

    private static int positive(String option, String text) {
        int value = integer(option, text);
        if (value < 1) {
            throw new IllegalArgumentException(option + " must be 1 or more, was " + text);
        }
        return value;
    }

    static Duration duration(String option, String text) {
        String lower = text.trim().toLowerCase(Locale.ROOT);
        try {
            if (lower.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(lower.substring(0, lower.length() - 2)));
            }
            if (lower.endsWith("s")) {
                return Duration.ofSeconds(Long.parseLong(lower.substring(0, lower.length() - 1)));
            }
            if (lower.endsWith("m")) {
                return Duration.ofMinutes(Long.parseLong(lower.substring(0, lower.length() - 1)));
            }
        }
        catch (NumberFormatException ex) {
            // fall through to the error below
        }
        throw new IllegalArgumentException(option + " needs a duration such as 500ms, 10s or 2m, was " + text);
    }

    private static Set<String> systems(String list) {
        Set<String> systems = new LinkedHashSet<>();
        for (String name : list.split(",")) {
            String system = name.trim().toLowerCase(Locale.ROOT);
            if (!SYSTEMS.contains(system)) {
                throw new IllegalArgumentException("Unknown system " + name + " for --only; known: " + SYSTEMS);
            }
            systems.add(system);
        }
        return systems;
    }
}
