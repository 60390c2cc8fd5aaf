package dev.apalis.spring.boot.test;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;

import dev.apalis.backend.Backend;
import dev.apalis.backend.memory.MemoryStorage;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The tester on the memory backend, which it builds on its {@link TestClock}.
 */
@SpringBootTest(classes = GreetingApplication.class, properties = { "apalis.backend=memory",
        "spring.autoconfigure.exclude=org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration" })
@AutoConfigureTaskTester
class TaskTesterMemoryTests extends TaskTesterContractTests {

    @Autowired
    Backend backend;

    @Autowired
    TestClock clock;

    @Test
    void theMemoryBackendRunsOnTheTestClock() {
        assertThat(this.backend).isInstanceOf(MemoryStorage.class);
        assertThat(this.clock.isClockOf(this.backend)).isTrue();
    }
}
