package dev.apalis.backend.conformance;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import dev.apalis.backend.BackendCapability;
import dev.apalis.backend.WakeUps;
import dev.apalis.task.NewTask;
import dev.apalis.task.TaskOptions;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a backend that declares {@link BackendCapability#WAKE_UPS} does: a subscriber hears of a push soon
 * after it, from another node too when the store is shared, and a closed subscription is not called.
 */
public interface WakeUpsContract extends BackendFixture {

    @Test
    default void aSubscriberIsWokenSoonAfterAPush() throws InterruptedException {
        assumeCapability(BackendCapability.WAKE_UPS);
        String queue = queue("wake");
        CountDownLatch woken = new CountDownLatch(1);
        try (WakeUps.Subscription subscription = backend().subscribe(queue, woken::countDown)) {
            push(queue);
            assertThat(woken.await(10, TimeUnit.SECONDS)).as("woken within 10 s").isTrue();
        }
    }

    @Test
    default void aPushOnAnotherNodeWakesTheSubscribersOfThisOne() throws InterruptedException {
        assumeCapability(BackendCapability.WAKE_UPS);
        assumeCapability(BackendCapability.SHARED_STORE);
        String queue = queue("wake-remote");
        CountDownLatch woken = new CountDownLatch(1);
        try (WakeUps.Subscription subscription = backend().subscribe(queue, woken::countDown)) {
            peer().push(new NewTask(queue, "{\"n\":1}", TaskOptions.defaults()));
            assertThat(woken.await(10, TimeUnit.SECONDS)).as("woken within 10 s").isTrue();
        }
    }

    @Test
    default void aClosedSubscriptionIsNotCalledAndClosingItAgainIsHarmless() throws InterruptedException {
        assumeCapability(BackendCapability.WAKE_UPS);
        String closedQueue = queue("wake-closed");
        String openQueue = queue("wake-open");
        AtomicInteger closedCalls = new AtomicInteger();
        WakeUps.Subscription closed = backend().subscribe(closedQueue, closedCalls::incrementAndGet);
        closed.close();
        closed.close();
        CountDownLatch woken = new CountDownLatch(1);
        try (WakeUps.Subscription open = backend().subscribe(openQueue, woken::countDown)) {
            push(closedQueue);
            push(openQueue);
            assertThat(woken.await(10, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(closedCalls).hasValue(0);
    }

    @Test
    default void aSubscriptionOfABackendWithoutWakeUpsIsHarmless() {
        String queue = queue("no-wake");
        WakeUps.Subscription subscription = backend().subscribe(queue, () -> {
        });
        subscription.close();
        subscription.close();
        assertThat(backend().capabilities()).isNotNull();
    }
}
