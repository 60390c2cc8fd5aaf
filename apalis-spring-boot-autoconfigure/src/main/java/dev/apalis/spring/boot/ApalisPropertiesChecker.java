package dev.apalis.spring.boot;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.IterableConfigurationPropertySource;
import org.springframework.boot.origin.Origin;
import org.springframework.context.EnvironmentAware;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.Environment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/**
 * Checks every {@code apalis.*} property before any bean is created, and fails start-up with all
 * problems at once: unknown keys (with the closest known key), values that cannot be read as their
 * type, and values out of range. Each problem names the property in kebab case, its value as written
 * and where it came from (file and line, environment variable, command line).
 * <p>
 * Environment variables are checked only below a known group ({@code APALIS_DEFAULTS_*},
 * {@code APALIS_WORKERS_*}, ...), so that unrelated variables that start with {@code APALIS_} do not
 * fail start-up.
 */
final class ApalisPropertiesChecker implements BeanFactoryPostProcessor, EnvironmentAware, Ordered {

    private static final ConfigurationPropertyName PREFIX = ConfigurationPropertyName.of(ApalisPropertyKeys.PREFIX);

    private Environment environment;

    @Override
    public void setEnvironment(Environment environment) {
        this.environment = environment;
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }

    @Override
    public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) {
        if (this.environment instanceof ConfigurableEnvironment configurable) {
            check(configurable);
        }
    }

    /**
     * Checks the environment's {@code apalis.*} properties.
     * @param environment the environment
     * @throws ApalisConfigurationException listing every problem, if there is one
     */
    static void check(ConfigurableEnvironment environment) {
        List<ConfigurationPropertySource> sources = new ArrayList<>();
        ConfigurationPropertySources.from(environment.getPropertySources()).forEach(sources::add);
        List<String> problems = new ArrayList<>();
        Binder binder = new Binder(sources);
        Set<String> seen = new HashSet<>();
        for (ConfigurationPropertySource source : sources) {
            if (!(source instanceof IterableConfigurationPropertySource iterable)) {
                continue;
            }
            boolean environmentVariables = source.getUnderlyingSource() instanceof SystemEnvironmentPropertySource;
            for (ConfigurationPropertyName name : iterable.filter(PREFIX::isAncestorOf)) {
                if (!seen.add(name.toString()) || ApalisPropertyKeys.isGroup(name)) {
                    continue;
                }
                if (environmentVariables && !ApalisPropertyKeys.hasKnownTopLevel(name)) {
                    continue;
                }
                ConfigurationProperty property = source.getConfigurationProperty(name);
                ApalisPropertyKeys.Key key = ApalisPropertyKeys.find(name);
                if (key == null) {
                    String closest = ApalisPropertyKeys.closest(name);
                    problems.add(describe(name.toString(), property) + ": is not a known property"
                            + ((closest != null) ? "; did you mean " + closest + "?" : "; see docs/configuration.md"));
                }
                else if (key.type() != null) {
                    String readable = convert(binder, key, name);
                    if (readable != null) {
                        problems.add(describe(key.writtenFor(name), property) + ": " + readable);
                    }
                }
            }
        }
        if (problems.isEmpty()) {
            ApalisProperties properties = new ApalisProperties();
            binder.bind(ApalisPropertyKeys.PREFIX, Bindable.ofInstance(properties));
            new ApalisPropertiesValidator(properties, (relative, message) -> {
                String written = ApalisPropertyKeys.PREFIX + "." + ApalisPropertiesValidator.toPropertyName(relative);
                problems.add(describe(written, find(sources, written)) + ": " + message);
            }).validate();
        }
        if (!problems.isEmpty()) {
            throw new ApalisConfigurationException(
                    "Apalis properties are not valid (" + problems.size() + ((problems.size() == 1) ? " problem" : " problems")
                            + "):" + problems.stream().map((problem) -> System.lineSeparator() + "  - " + problem)
                                .collect(Collectors.joining()),
                    "Correct or remove these properties. docs/configuration.md lists every apalis.* property, "
                            + "its unit and what it allows; a duration without a unit is read in seconds.");
        }
    }

    /** Binds one value to its key's type; returns what is wrong, or {@code null} if it reads. */
    private static String convert(Binder binder, ApalisPropertyKeys.Key key, ConfigurationPropertyName name) {
        try {
            binder.bind(ConfigurationPropertyName.adapt(key.writtenFor(name), '.'), Bindable.of(key.type()));
            return null;
        }
        catch (BindException ex) {
            return "cannot be read: it must be " + expected(key.type());
        }
    }

    private static String expected(Class<?> type) {
        if (type == Integer.class || type == Long.class) {
            return "a whole number";
        }
        if (type == Double.class || type == Float.class) {
            return "a number such as 0.5";
        }
        if (type == Boolean.class) {
            return "true or false";
        }
        if (type == Duration.class) {
            return "a duration such as 500ms, 10s or 1m (a number without a unit is seconds)";
        }
        if (type.isEnum()) {
            return "one of " + Arrays.stream(type.getEnumConstants())
                .map((constant) -> ((Enum<?>) constant).name().toLowerCase(Locale.ROOT))
                .collect(Collectors.joining(", "));
        }
        return "a " + type.getSimpleName();
    }

    private static ConfigurationProperty find(List<ConfigurationPropertySource> sources, String written) {
        ConfigurationPropertyName name = ConfigurationPropertyName.adapt(written, '.');
        for (ConfigurationPropertySource source : sources) {
            ConfigurationProperty property = source.getConfigurationProperty(name);
            if (property != null) {
                return property;
            }
        }
        return null;
    }

    private static String describe(String written, ConfigurationProperty property) {
        if (property == null) {
            return written + " (its default)";
        }
        Origin origin = property.getOrigin();
        return written + "=" + property.getValue() + ((origin != null) ? " (from " + origin + ")" : "");
    }
}
