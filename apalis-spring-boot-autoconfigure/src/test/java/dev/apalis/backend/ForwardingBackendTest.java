package dev.apalis.backend;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.apalis.backend.memory.MemoryStorage;
import dev.apalis.task.NewTask;
import dev.apalis.task.Task;
import dev.apalis.task.TaskId;
import dev.apalis.task.TaskOptions;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link ForwardingBackend} forwards every method of {@link Backend}, default ones included, so that a
 * decorator never silently falls back to a default; the short claim goes through the full one.
 */
class ForwardingBackendTest {

    @Test
    void everyMethodOfTheBackendIsForwardedButTheShortClaim() throws NoSuchMethodException {
        List<String> notForwarded = Arrays.stream(Backend.class.getMethods())
            .filter((method) -> !Modifier.isStatic(method.getModifiers()))
            .filter((method) -> !declares(method))
            .map(Method::toString)
            .toList();

        assertThat(notForwarded).containsExactly(
                Backend.class.getMethod("claim", String.class, String.class, int.class).toString());
    }

    @Test
    void aDecoratorSeesEveryClaimInOnePlaceAndKeepsTheDelegatesCapabilities() {
        MemoryStorage storage = new MemoryStorage();
        List<ClaimRequest> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        Backend decorated = new ForwardingBackend(storage) {

            @Override
            public List<Task> claim(ClaimRequest request) {
                seen.add(request);
                return super.claim(request);
            }
        };
        TaskId id = decorated.push(new NewTask("q", "{}", TaskOptions.defaults()));

        assertThat(decorated.claim("q", "w", 5)).extracting(Task::id).containsExactly(id);
        assertThat(seen).singleElement().satisfies((request) -> assertThat(request.max()).isEqualTo(5));
        assertThat(decorated.capabilities()).isEqualTo(storage.capabilities())
            .isEqualTo(Set.of(BackendCapability.WAKE_UPS, BackendCapability.LOST_CLAIM_RECOVERY));
        assertThat(decorated.orphanThreshold()).isEqualTo(storage.orphanThreshold());
        assertThat(decorated).isNotInstanceOf(TaskManagement.class);
        decorated.close();
    }

    private static boolean declares(Method method) {
        try {
            ForwardingBackend.class.getDeclaredMethod(method.getName(), method.getParameterTypes());
            return true;
        }
        catch (NoSuchMethodException ex) {
            return false;
        }
    }
}
