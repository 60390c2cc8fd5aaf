package dev.apalis.worker;

import java.time.Duration;

import dev.apalis.backend.memory.MemoryStorage;
import dev.apalis.task.NewTask;
import dev.apalis.task.TaskId;

/**
 * Run by {@link ShutdownSignalTest} in a child JVM: a worker that runs until SIGTERM, with a task that
 * is still working when the signal arrives and needs a moment more to finish.
 */
public final class ShutdownSignalChild {

    private ShutdownSignalChild() {
    }

    public static void main(String[] args) throws InterruptedException {
        MemoryStorage storage = new MemoryStorage();
        TaskId id = storage.push(new NewTask("child", "1", null));
        ShutdownSignal signal = ShutdownSignal.onJvmShutdown(Duration.ofSeconds(20));
        Worker worker = WorkerBuilder.named("child").backend(storage).onEvent((context, event) -> {
            if (event instanceof WorkerEvent.Stop) {
                say("STOPPED " + storage.find(id).orElseThrow().status());
            }
        }).build(Integer.class, (n, ctx) -> {
            say("STARTED");
            signal.join();
            say("SIGNALLED");
            // The rest of the task's work, done after the JVM began to shut down.
            Thread.sleep(300);
            say("FINISHED");
        });
        worker.runUntil(signal);
    }

    private static void say(String line) {
        System.out.println(line);
        System.out.flush();
    }
}
