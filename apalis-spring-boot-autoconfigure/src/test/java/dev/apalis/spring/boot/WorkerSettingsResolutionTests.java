package dev.apalis.spring.boot;

import java.beans.PropertyDescriptor;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import org.springframework.beans.BeanUtils;
import org.springframework.beans.BeanWrapperImpl;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.core.ResolvableType;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

import dev.apalis.spring.TaskHandler;
import dev.apalis.spring.WorkerDefinition;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A worker setting is declared once, in {@link WorkerProperties}, for {@code apalis.defaults} and
 * {@code apalis.workers.<name>} alike, and every setting is resolved with the same precedence: the
 * worker's property, then its {@code @TaskHandler} attribute, then {@code apalis.defaults}, then the
 * built-in default. The settings are found by reflection, so a new one is covered (or names what it
 * lacks) without a new test.
 */
class WorkerSettingsResolutionTests {

    private static final String WORKER_NAME = "email";

    /** How each setting shows in the resolved definition, by its key under {@code apalis.workers.<name>}. */
    private static final Map<String, Function<WorkerDefinition, Object>> RESOLVED = resolved();

    /** Keys whose 'defaults' layer is not under {@code apalis.defaults}. */
    private static final Map<String, String> DEFAULTS_ELSEWHERE = Map.of("shutdown-timeout", "apalis.shutdown.timeout");

    private static Map<String, Function<WorkerDefinition, Object>> resolved() {
        Map<String, Function<WorkerDefinition, Object>> resolved = new LinkedHashMap<>();
        resolved.put("enabled", WorkerDefinition::enabled);
        resolved.put("queue", WorkerDefinition::queue);
        resolved.put("concurrency", WorkerDefinition::concurrency);
        resolved.put("prefetch", WorkerDefinition::prefetch);
        resolved.put("poll-interval", WorkerDefinition::pollInterval);
        resolved.put("timeout", WorkerDefinition::timeout);
        resolved.put("max-attempts", (definition) -> definition.retryPolicy().maxAttempts());
        resolved.put("backoff.initial", (definition) -> definition.retryPolicy().initial());
        resolved.put("backoff.multiplier", (definition) -> definition.retryPolicy().multiplier());
        resolved.put("backoff.max", (definition) -> definition.retryPolicy().max());
        resolved.put("backoff.jitter", (definition) -> definition.retryPolicy().jitter());
        resolved.put("rate-limit.permits", WorkerDefinition::rateLimitPermits);
        resolved.put("rate-limit.period", WorkerDefinition::rateLimitPeriod);
        resolved.put("shutdown-timeout", WorkerDefinition::shutdownTimeout);
        return resolved;
    }

    @Test
    void defaultsAndWorkersBindTheOneSettingsType() throws Exception {
        Method defaults = ApalisProperties.class.getMethod("getDefaults");
        Method workers = ApalisProperties.class.getMethod("getWorkers");
        Class<?> perWorker = ResolvableType.forMethodReturnType(workers).asMap().getGeneric(1).resolve();
        assertThat(defaults.getReturnType()).isEqualTo(WorkerProperties.class);
        assertThat(perWorker).isEqualTo(NamedWorkerProperties.class);
        assertThat(WorkerProperties.class).isAssignableFrom(perWorker);
        Map<String, Method> defaultSettings = settings(WorkerProperties.class);
        Map<String, Method> workerSettings = settings(perWorker);
        defaultSettings.forEach((key, getter) -> assertThat(workerSettings.get(key))
            .as("apalis.workers.<name>.%s is read by the same getter as apalis.defaults.%s", key, key)
            .isEqualTo(getter));
        assertThat(workerSettings.keySet()).containsAll(defaultSettings.keySet());
        assertThat(workerSettings.entrySet()).filteredOn((entry) -> !defaultSettings.containsKey(entry.getKey()))
            .as("settings only a single worker can have, declared in NamedWorkerProperties itself")
            .allSatisfy((entry) -> assertThat(entry.getValue().getDeclaringClass())
                .isEqualTo(NamedWorkerProperties.class))
            .extracting(Map.Entry::getKey)
            .containsExactlyInAnyOrder("queue", "shutdown-timeout");
    }

    @Test
    void everySettingIsResolvedAndCoveredHere() {
        assertThat(RESOLVED.keySet()).as("a resolved value for every setting of NamedWorkerProperties")
            .containsExactlyInAnyOrderElementsOf(settings(NamedWorkerProperties.class).keySet());
        Map<String, Object> attributes = AnnotatedElementUtils
            .getMergedAnnotationAttributes(handlerMethod(), TaskHandler.class);
        for (Method attribute : TaskHandler.class.getDeclaredMethods()) {
            String name = attribute.getName();
            if (!name.equals("value") && !name.equals("name")) {
                String key = RESOLVED.keySet()
                    .stream()
                    .filter((candidate) -> camelCase(candidate).equals(name))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("@TaskHandler(" + name + ") sets no worker property"));
                assertThat(attributes.get(name)).as("the test handler's %s attribute", name)
                    .isEqualTo("${annotation." + key + ":}");
            }
        }
    }

    @Test
    void apalisDefaultsStartWithTheBuiltInDefaults() {
        Map<String, Method> settings = settings(WorkerProperties.class);
        BeanWrapperImpl builtIn = new BeanWrapperImpl(WorkerProperties.builtInDefaults());
        BeanWrapperImpl defaults = new BeanWrapperImpl(new ApalisProperties().getDefaults());
        settings.keySet()
            .forEach((key) -> assertThat(defaults.getPropertyValue(camelPath(key))).as("apalis.defaults.%s", key)
                .isEqualTo(builtIn.getPropertyValue(camelPath(key))));
    }

    @Test
    void metadataGivesTheBuiltInDefaultOfEverySettingUnderApalisDefaults() throws IOException {
        JsonNode metadata = JsonMapper.builder()
            .build()
            .readTree(Files.readString(Path.of("target/classes/META-INF/spring-configuration-metadata.json")));
        Map<String, JsonNode> described = new LinkedHashMap<>();
        metadata.get("properties").forEach((property) -> described.put(property.get("name").asString(), property));
        BeanWrapperImpl builtIn = new BeanWrapperImpl(WorkerProperties.builtInDefaults());
        for (String key : settings(WorkerProperties.class).keySet()) {
            String name = "apalis.defaults." + key;
            assertThat(described).as("metadata of %s", name).containsKey(name);
            JsonNode written = described.get(name).get("defaultValue");
            Object value = builtIn.getPropertyValue(camelPath(key));
            if (value == null) {
                assertThat(written).as("default of %s (none built in)", name).isNull();
            }
            else {
                assertThat(written).as("default of %s in additional-spring-configuration-metadata.json", name)
                    .isNotNull();
                Object read = (value instanceof Duration) ? DurationStyle.detectAndParse(written.asString())
                        : parse(value.getClass(), written.asString());
                assertThat(read).as("default of %s", name).isEqualTo(value);
            }
        }
    }

    static Stream<Arguments> layeredSettings() {
        List<Arguments> cases = new ArrayList<>();
        for (String key : RESOLVED.keySet()) {
            List<Layer> available = Stream.of(Layer.values()).filter((layer) -> layer.appliesTo(key)).toList();
            for (int subset = 0; subset < (1 << available.size()); subset++) {
                Set<Layer> set = EnumSet.noneOf(Layer.class);
                for (int i = 0; i < available.size(); i++) {
                    if ((subset & (1 << i)) != 0) {
                        set.add(available.get(i));
                    }
                }
                cases.add(Arguments.of(key, set));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} set in {1}")
    @MethodSource("layeredSettings")
    void theMostSpecificLayerThatSetsASettingWins(String key, Set<Layer> set) {
        Class<?> type = settings(NamedWorkerProperties.class).get(key).getReturnType();
        Object expected = builtIn(key);
        List<Object> used = new ArrayList<>();
        used.add(expected);
        Map<String, Object> properties = new LinkedHashMap<>();
        for (Layer layer : Layer.values()) {
            if (set.contains(layer)) {
                String value = unusedValue(key, type, used, expected);
                properties.put(layer.key(key), value);
                expected = parse(type, value);
                used.add(expected);
            }
        }
        WorkerDefinition definition = resolve(properties);
        assertThat(RESOLVED.get(key).apply(definition)).as("%s with %s", key, properties).isEqualTo(expected);
    }

    /** The built-in value of a setting: what a worker has when nothing sets it. */
    private static Object builtIn(String key) {
        if (key.equals("queue")) {
            return WORKER_NAME;
        }
        if (key.equals("shutdown-timeout")) {
            return new ApalisProperties().getShutdown().getTimeout();
        }
        return new BeanWrapperImpl(WorkerProperties.builtInDefaults()).getPropertyValue(camelPath(key));
    }

    /** A valid value, written as a property, that differs from every value a lower layer gave. */
    private static String unusedValue(String key, Class<?> type, List<Object> used, Object current) {
        List<String> candidates;
        if (type == Boolean.class) {
            return String.valueOf(!Boolean.TRUE.equals(current));
        }
        else if (type == Integer.class) {
            candidates = List.of("3", "4", "5", "6");
        }
        else if (type == Duration.class) {
            candidates = List.of("2s", "3s", "4s", "5s");
        }
        else if (type == Double.class) {
            candidates = key.equals("backoff.multiplier") ? List.of("1.5", "2.5", "3.5", "4.5")
                    : List.of("0.2", "0.3", "0.4", "0.5");
        }
        else {
            candidates = List.of("first", "second", "third", "fourth");
        }
        return candidates.stream()
            .filter((candidate) -> !used.contains(parse(type, candidate)))
            .findFirst()
            .orElseThrow();
    }

    private static Object parse(Class<?> type, String value) {
        if (type == Boolean.class) {
            return Boolean.valueOf(value);
        }
        if (type == Integer.class) {
            return Integer.valueOf(value);
        }
        if (type == Double.class) {
            return Double.valueOf(value);
        }
        if (type == Duration.class) {
            return DurationStyle.detectAndParse(value, ChronoUnit.SECONDS);
        }
        return value;
    }

    /** Binds the properties as Spring Boot does, finds the handler below and resolves its definition. */
    private static WorkerDefinition resolve(Map<String, Object> properties) {
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().addFirst(new MapPropertySource("test", properties));
        ApalisProperties apalis = new ApalisProperties();
        new Binder(ConfigurationPropertySources.from(environment.getPropertySources())).bind("apalis",
                Bindable.ofInstance(apalis));
        try (GenericApplicationContext context = new GenericApplicationContext()) {
            context.setEnvironment(environment);
            context.registerBean(Handler.class);
            context.refresh();
            Map<String, TaskHandlerMethod> handlers = new TaskHandlerDiscovery(context.getBeanFactory()).discover();
            return new WorkerDefinitionResolver(apalis).resolve(handlers).get(WORKER_NAME);
        }
    }

    /** The settings of a properties type by key ({@code backoff.initial}), each with its getter. */
    private static Map<String, Method> settings(Class<?> type) {
        Map<String, Method> settings = new LinkedHashMap<>();
        collect(type, "", settings);
        return settings;
    }

    private static void collect(Class<?> type, String prefix, Map<String, Method> settings) {
        for (PropertyDescriptor descriptor : BeanUtils.getPropertyDescriptors(type)) {
            Method getter = descriptor.getReadMethod();
            if (getter == null || descriptor.getName().equals("class")) {
                continue;
            }
            String key = prefix + descriptor.getName().replaceAll("([A-Z])", "-$1").toLowerCase();
            if (descriptor.getWriteMethod() == null) {
                collect(descriptor.getPropertyType(), key + ".", settings);
            }
            else {
                settings.put(key, getter);
            }
        }
    }

    /** {@code rate-limit.permits} to the bean path {@code rateLimit.permits}. */
    private static String camelPath(String key) {
        StringBuilder path = new StringBuilder();
        boolean upper = false;
        for (char c : key.toCharArray()) {
            if (c == '-') {
                upper = true;
            }
            else {
                path.append(upper ? Character.toUpperCase(c) : c);
                upper = false;
            }
        }
        return path.toString();
    }

    /** {@code rate-limit.permits} to the attribute name {@code rateLimitPermits}. */
    private static String camelCase(String key) {
        return camelPath(key.replace('.', '-'));
    }

    private static Method handlerMethod() {
        try {
            return Handler.class.getDeclaredMethod("handle", String.class);
        }
        catch (NoSuchMethodException ex) {
            throw new IllegalStateException(ex);
        }
    }

    /** Where a setting can be written, from the least specific to the most. */
    enum Layer {

        DEFAULTS {
            @Override
            boolean appliesTo(String key) {
                return DEFAULTS_ELSEWHERE.containsKey(key) || settings(WorkerProperties.class).containsKey(key);
            }

            @Override
            String key(String key) {
                return DEFAULTS_ELSEWHERE.getOrDefault(key, "apalis.defaults." + key);
            }
        },

        ANNOTATION {
            @Override
            boolean appliesTo(String key) {
                return Stream.of(TaskHandler.class.getDeclaredMethods())
                    .anyMatch((attribute) -> attribute.getName().equals(camelCase(key)));
            }

            @Override
            String key(String key) {
                return "annotation." + key;
            }
        },

        WORKER {
            @Override
            boolean appliesTo(String key) {
                return true;
            }

            @Override
            String key(String key) {
                return "apalis.workers." + WORKER_NAME + "." + key;
            }
        };

        abstract boolean appliesTo(String key);

        /** The property that sets a setting in this layer (for the annotation, the placeholder it reads). */
        abstract String key(String key);
    }

    static class Handler {

        @TaskHandler(value = WORKER_NAME, queue = "${annotation.queue:}", concurrency = "${annotation.concurrency:}",
                prefetch = "${annotation.prefetch:}", pollInterval = "${annotation.poll-interval:}",
                timeout = "${annotation.timeout:}", maxAttempts = "${annotation.max-attempts:}",
                backoffInitial = "${annotation.backoff.initial:}",
                backoffMultiplier = "${annotation.backoff.multiplier:}", backoffMax = "${annotation.backoff.max:}",
                backoffJitter = "${annotation.backoff.jitter:}",
                rateLimitPermits = "${annotation.rate-limit.permits:}",
                rateLimitPeriod = "${annotation.rate-limit.period:}")
        void handle(String payload) {
        }
    }
}
