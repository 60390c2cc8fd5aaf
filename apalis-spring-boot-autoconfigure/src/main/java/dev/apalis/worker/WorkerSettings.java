package dev.apalis.worker;

import java.lang.reflect.Type;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadFactory;

import dev.apalis.backend.Backend;
import dev.apalis.task.PayloadCodec;

/**
 * Everything a worker was built with; validated by {@link WorkerBuilder}. A {@code null} prefetch
 * adapts (see {@link ClaimAhead}).
 */
record WorkerSettings(String name, String queue, Backend backend, int concurrency, Integer prefetch,
        RetryPolicy retryPolicy, Duration timeout, int rateLimitPermits, Duration rateLimitPeriod,
        Duration pollInterval, Duration heartbeatInterval, Duration shutdownTimeout, Map<Class<?>, Object> data,
        List<WorkerEventListener> listeners, List<TaskInterceptor> interceptors, PayloadCodec codec,
        ThreadFactory handlerThreads, Type payloadType, TaskFunction<Object> handler, Clock clock) {
}
