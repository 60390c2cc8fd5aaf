package dev.apalis.spring.boot;

import java.time.Duration;
import java.time.temporal.ChronoUnit;

import org.springframework.boot.convert.DurationUnit;

/**
 * The settings of a worker, declared once for both places they are written: {@code apalis.defaults.*}
 * and, through {@link NamedWorkerProperties}, {@code apalis.workers.<name>.*}. A setting that is
 * {@code null} is not set and is inherited from the next place in line: the worker's properties, its
 * {@code @TaskHandler} attributes, {@code apalis.defaults}, then the {@linkplain #builtInDefaults()
 * built-in default}. {@code apalis.defaults} starts with the built-in defaults.
 * <p>
 * To add a worker setting, add a field here with its Javadoc (the configuration metadata's
 * description), pass its resolved value on in {@code WorkerDefinitionResolver}, give its built-in
 * default in {@link #builtInDefaults()} and in {@code additional-spring-configuration-metadata.json},
 * and document it in docs/configuration.md; the tests name anything that is missing.
 */
public class WorkerProperties {

    /**
     * Whether workers start with the application; a worker's own 'enabled' overrides it.
     */
    private Boolean enabled;

    /**
     * How many tasks a worker runs at once.
     */
    private Integer concurrency;

    /**
     * How many tasks a worker claims ahead of its free slots, a fixed number (0: only for free
     * slots). When not set the prefetch adapts: about as many tasks as the worker finishes during
     * one claim round trip, at most 1,024.
     */
    private Integer prefetch;

    /**
     * How often an idle worker looks for due tasks when no push notification arrives. At least 50ms.
     */
    @DurationUnit(ChronoUnit.SECONDS)
    private Duration pollInterval;

    /**
     * How long one attempt may run before its thread is interrupted and the attempt fails. No
     * limit when not set. At least 100ms.
     */
    @DurationUnit(ChronoUnit.SECONDS)
    private Duration timeout;

    /**
     * How many attempts a task may take, the first included.
     */
    private Integer maxAttempts;

    private final Backoff backoff = new Backoff();

    private final RateLimit rateLimit = new RateLimit();

    /**
     * The settings a worker has when nothing else sets them. The configuration metadata repeats them
     * (in {@code additional-spring-configuration-metadata.json}) for {@code apalis.defaults.*}; a test
     * keeps the two equal.
     * @return new properties holding the built-in defaults; prefetch and timeout stay unset (adaptive,
     * no limit)
     */
    static WorkerProperties builtInDefaults() {
        WorkerProperties defaults = new WorkerProperties();
        defaults.setEnabled(true);
        defaults.setConcurrency(10);
        defaults.setPollInterval(Duration.ofSeconds(1));
        defaults.setMaxAttempts(25);
        defaults.getBackoff().setInitial(Duration.ofSeconds(1));
        defaults.getBackoff().setMultiplier(2.0);
        defaults.getBackoff().setMax(Duration.ofHours(1));
        defaults.getBackoff().setJitter(0.1);
        defaults.getRateLimit().setPermits(0);
        defaults.getRateLimit().setPeriod(Duration.ofSeconds(1));
        return defaults;
    }

    public Boolean getEnabled() {
        return this.enabled;
    }

    public void setEnabled(Boolean enabled) {
        this.enabled = enabled;
    }

    public Integer getConcurrency() {
        return this.concurrency;
    }

    public void setConcurrency(Integer concurrency) {
        this.concurrency = concurrency;
    }

    public Integer getPrefetch() {
        return this.prefetch;
    }

    public void setPrefetch(Integer prefetch) {
        this.prefetch = prefetch;
    }

    public Duration getPollInterval() {
        return this.pollInterval;
    }

    public void setPollInterval(Duration pollInterval) {
        this.pollInterval = pollInterval;
    }

    public Duration getTimeout() {
        return this.timeout;
    }

    public void setTimeout(Duration timeout) {
        this.timeout = timeout;
    }

    public Integer getMaxAttempts() {
        return this.maxAttempts;
    }

    public void setMaxAttempts(Integer maxAttempts) {
        this.maxAttempts = maxAttempts;
    }

    public Backoff getBackoff() {
        return this.backoff;
    }

    public RateLimit getRateLimit() {
        return this.rateLimit;
    }

    /**
     * Exponential backoff between attempts, with jitter.
     */
    public static class Backoff {

        /**
         * Delay after the first failed attempt.
         */
        @DurationUnit(ChronoUnit.SECONDS)
        private Duration initial;

        /**
         * Factor by which each delay grows over the previous one; 1.0 for a fixed delay.
         */
        private Double multiplier;

        /**
         * Longest delay between attempts.
         */
        @DurationUnit(ChronoUnit.SECONDS)
        private Duration max;

        /**
         * Share by which each delay is moved at random either way, from 0.0 to 1.0.
         */
        private Double jitter;

        public Duration getInitial() {
            return this.initial;
        }

        public void setInitial(Duration initial) {
            this.initial = initial;
        }

        public Double getMultiplier() {
            return this.multiplier;
        }

        public void setMultiplier(Double multiplier) {
            this.multiplier = multiplier;
        }

        public Duration getMax() {
            return this.max;
        }

        public void setMax(Duration max) {
            this.max = max;
        }

        public Double getJitter() {
            return this.jitter;
        }

        public void setJitter(Double jitter) {
            this.jitter = jitter;
        }
    }

    /**
     * At most 'permits' task starts in any window of 'period', per worker.
     */
    public static class RateLimit {

        /**
         * Task starts allowed per period; 0 for no limit.
         */
        private Integer permits;

        /**
         * Window in which at most 'permits' tasks start.
         */
        @DurationUnit(ChronoUnit.SECONDS)
        private Duration period;

        public Integer getPermits() {
            return this.permits;
        }

        public void setPermits(Integer permits) {
            this.permits = permits;
        }

        public Duration getPeriod() {
            return this.period;
        }

        public void setPeriod(Duration period) {
            this.period = period;
        }
    }
}
