package dev.apalis.reliability;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.apalis.test.TestPostgres;

/**
 * A {@link NodeApp} running as a separate JVM, started with the java binary and class path of the
 * test JVM. Its output goes to {@code target/reliability/<name>.log}. {@link #kill()} sends SIGKILL,
 * {@link #terminate()} SIGTERM; {@link #close()} kills it if it still runs, so a failed test leaves
 * no process behind.
 */
final class Node implements AutoCloseable {

    private final String name;

    private final Process process;

    private final Path log;

    private Node(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    /**
     * Starts a node.
     * @param name a name for its log file
     * @param database the database it works on
     * @param options more {@code key=value} options for {@link NodeApp}
     * @return the started node (its worker may still be starting)
     */
    static Node start(String name, TestPostgres.Database database, String... options) {
        try {
            Path dir = Path.of("target", "reliability");
            Files.createDirectories(dir);
            Path log = dir.resolve(name + ".log");
            List<String> command = new ArrayList<>();
            command.add(javaBinary());
            command.add("-Xmx256m");
            command.add("-XX:+UseSerialGC");
            command.add("-XX:TieredStopAtLevel=1");
            command.add("-cp");
            command.add(classPath());
            command.add(NodeApp.class.getName());
            command.add("url=" + database.jdbcUrl());
            command.add("user=" + database.username());
            command.add("password=" + database.password());
            command.addAll(List.of(options));
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
            return new Node(name, process, log);
        }
        catch (IOException ex) {
            throw new UncheckedIOException("Could not start node " + name, ex);
        }
    }

    /** The application name a node's connections carry, to find them in {@code pg_stat_activity}. */
    static String applicationName(long pid) {
        return "apalis-node-" + pid;
    }

    String name() {
        return name;
    }

    long pid() {
        return process.pid();
    }

    /** The prefix of the id of this node's worker, as in {@code lock_owner} and {@code workers.id}. */
    String workerIdPrefix(String queue) {
        return queue + "-" + pid() + "-";
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** Sends SIGKILL: the JVM dies at once, without shutdown hooks. */
    void kill() {
        process.destroyForcibly();
    }

    /** Sends SIGSTOP: the JVM stops where it is, its connections open, until {@link #thaw()} or a kill. */
    void freeze() {
        signal("STOP");
    }

    /** Sends SIGCONT to a frozen node. */
    void thaw() {
        signal("CONT");
    }

    private void signal(String name) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid())).inheritIO().start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill -" + name + " " + pid() + " failed");
            }
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    /** Sends SIGTERM: the JVM runs its shutdown hooks, which stop the worker gracefully. */
    void terminate() {
        process.destroy();
    }

    /**
     * Waits for the process to end.
     * @param timeout how long at most
     * @return its exit code
     * @throws IllegalStateException if it still runs after the timeout
     */
    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("Node " + name + " (pid " + pid() + ") still runs after " + timeout
                    + "; its log: " + log.toAbsolutePath());
        }
        return process.exitValue();
    }

    /** The node's output so far. */
    String output() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        }
        catch (IOException ex) {
            return "(no output: " + ex + ")";
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            }
            catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public String toString() {
        return "node " + name + " (pid " + pid() + ")";
    }

    private static String javaBinary() {
        return ProcessHandle.current().info().command()
            .orElseGet(() -> Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    /**
     * The test class path. Surefire and Failsafe may run tests from a manifest-only jar, whose
     * {@code java.class.path} is that one jar; they also pass the full class path as
     * {@code surefire.test.class.path}, which is taken when set.
     */
    static String classPath() {
        String full = System.getProperty("surefire.test.class.path");
        String source = "surefire.test.class.path";
        if (full == null || full.isBlank()) {
            full = System.getProperty("java.class.path");
            source = "java.class.path";
        }
        if (!classPathReported) {
            classPathReported = true;
            System.out.println("Nodes run with the test class path from " + source + " ("
                    + full.split(java.io.File.pathSeparator).length + " entries)");
        }
        return full;
    }

    private static volatile boolean classPathReported;
}
