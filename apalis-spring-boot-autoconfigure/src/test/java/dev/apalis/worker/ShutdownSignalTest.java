package dev.apalis.worker;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

import static dev.apalis.worker.WorkerTesting.eventually;
import static org.assertj.core.api.Assertions.assertThat;

class ShutdownSignalTest {

    @Test
    @DisabledOnOs(value = OS.WINDOWS, disabledReason = "Process.destroy() is not a SIGTERM there")
    void sigtermLetsTheTaskInFlightFinishBeforeTheJvmExits(@TempDir Path dir) throws Exception {
        Path output = dir.resolve("child.out");
        String javaCommand = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        Process child = new ProcessBuilder(javaCommand, "-XX:TieredStopAtLevel=1", "-Xshare:auto", "-cp",
                System.getProperty("java.class.path"), ShutdownSignalChild.class.getName())
            .redirectErrorStream(true)
            .redirectOutput(output.toFile())
            .start();
        try {
            eventually().atMost(Duration.ofSeconds(60)).until(() -> lines(output).contains("STARTED"));
            child.destroy();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).as("the child exits").isTrue();
            List<String> lines = lines(output);
            assertThat(child.exitValue()).as("terminated by SIGTERM; output %s", lines).isEqualTo(143);
            assertThat(lines).containsSubsequence("STARTED", "SIGNALLED", "FINISHED", "STOPPED DONE");
        }
        finally {
            child.destroyForcibly();
        }
    }

    private static List<String> lines(Path file) throws java.io.IOException {
        return Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8) : List.of();
    }
}
