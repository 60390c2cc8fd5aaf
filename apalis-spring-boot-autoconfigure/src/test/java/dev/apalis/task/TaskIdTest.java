package dev.apalis.task;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class TaskIdTest {

    @Test
    void idsAreVersion7UuidsThatSortInCreationOrder() {
        long before = System.currentTimeMillis();
        List<TaskId> ids = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            ids.add(TaskId.next());
        }
        long after = System.currentTimeMillis();
        for (int i = 1; i < ids.size(); i++) {
            assertThat(ids.get(i)).isGreaterThan(ids.get(i - 1));
            assertThat(ids.get(i).toString()).isGreaterThan(ids.get(i - 1).toString());
        }
        TaskId first = ids.get(0);
        assertThat(first.value().version()).isEqualTo(7);
        assertThat(first.value().variant()).isEqualTo(2);
        long millis = first.value().getMostSignificantBits() >>> 16;
        assertThat(millis).isBetween(before, after);
    }

    @Test
    void idsAreUniqueAndIncreasingPerThreadAcrossThreads() throws Exception {
        int threads = 8;
        int perThread = 10_000;
        CyclicBarrier barrier = new CyclicBarrier(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<List<TaskId>>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                futures.add(pool.submit(() -> {
                    barrier.await(10, TimeUnit.SECONDS);
                    List<TaskId> mine = new ArrayList<>(perThread);
                    for (int i = 0; i < perThread; i++) {
                        mine.add(TaskId.next());
                    }
                    return mine;
                }));
            }
            Set<TaskId> all = new HashSet<>();
            for (Future<List<TaskId>> future : futures) {
                List<TaskId> mine = future.get(30, TimeUnit.SECONDS);
                assertThat(mine).isSorted();
                all.addAll(mine);
            }
            assertThat(all).hasSize(threads * perThread);
        }
        finally {
            pool.shutdownNow();
        }
    }

    @Test
    void parsesItsTextForm() {
        TaskId id = TaskId.next();
        assertThat(TaskId.parse(id.toString())).isEqualTo(id);
    }

    @Test
    void parseRejectsTextThatIsNotAUuidWithAClearMessage() {
        assertThatIllegalArgumentException().isThrownBy(() -> TaskId.parse("task-42"))
            .withMessageContaining("'task-42' is not a task id")
            .withMessageContaining("UUID");
    }
}
