package dev.apalis.spring.boot;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.zaxxer.hikari.HikariConfig;
import org.junit.jupiter.api.Test;

import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.env.PropertiesPropertySourceLoader;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.io.ByteArrayResource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;

/**
 * Every {@code yaml} and {@code properties} block of README.md and docs/*.md binds: its
 * {@code apalis.*} keys pass the start-up check (known keys, readable values, allowed ranges) and its
 * {@code spring.datasource.hikari.*} keys bind to HikariCP's configuration.
 */
class DocsPropertyExamplesTests {

    private static final Path ROOT = Path.of("..");

    private static final Pattern BLOCK = Pattern.compile("```(yaml|yml|properties)\\n(.*?)```", Pattern.DOTALL);

    @Test
    void everyPropertyExampleInTheDocsBinds() throws IOException {
        List<String> checked = new ArrayList<>();
        for (Path document : documents()) {
            Matcher blocks = BLOCK.matcher(Files.readString(document, StandardCharsets.UTF_8));
            int index = 0;
            while (blocks.find()) {
                String name = document.getFileName() + " block " + (++index);
                String text = blocks.group(2);
                List<PropertySource<?>> sources = blocks.group(1).equals("properties")
                        ? new PropertiesPropertySourceLoader().load(name, resource(name, text))
                        : new YamlPropertySourceLoader().load(name, resource(name, text));
                StandardEnvironment environment = new StandardEnvironment();
                environment.getPropertySources().remove(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME);
                environment.getPropertySources().remove(StandardEnvironment.SYSTEM_PROPERTIES_PROPERTY_SOURCE_NAME);
                sources.forEach(environment.getPropertySources()::addLast);
                if (!text.contains("apalis") && !text.contains("hikari")) {
                    continue;
                }
                assertThatNoException().as(name).isThrownBy(() -> ApalisPropertiesChecker.check(environment));
                Binder binder = new Binder(ConfigurationPropertySources.from(environment.getPropertySources()));
                assertThatNoException().as(name)
                    .isThrownBy(() -> binder.bind("spring.datasource.hikari", Bindable.ofInstance(new HikariConfig())));
                checked.add(name);
            }
        }
        assertThat(checked).as("blocks with apalis or hikari properties").hasSizeGreaterThan(3);
    }

    @Test
    void theCheckFindsAWrongExample() throws IOException {
        StandardEnvironment environment = new StandardEnvironment();
        new YamlPropertySourceLoader().load("wrong", resource("wrong", "apalis:\n  defaults:\n    poll-intervall: 5\n"))
            .forEach(environment.getPropertySources()::addFirst);
        org.assertj.core.api.Assertions.assertThatExceptionOfType(ApalisConfigurationException.class)
            .isThrownBy(() -> ApalisPropertiesChecker.check(environment))
            .withMessageContaining("apalis.defaults.poll-intervall=5 (from")
            .withMessageContaining("did you mean apalis.defaults.poll-interval?");
        Binder binder = new Binder(ConfigurationPropertySources
            .from(new YamlPropertySourceLoader()
                .load("hikari", resource("hikari", "spring.datasource.hikari.connection-timeout: 2s\n"))));
        org.assertj.core.api.Assertions.assertThatException()
            .isThrownBy(() -> binder.bind("spring.datasource.hikari", Bindable.ofInstance(new HikariConfig())));
    }

    private static ByteArrayResource resource(String name, String text) {
        return new ByteArrayResource(text.getBytes(StandardCharsets.UTF_8), name) {

            @Override
            public String getFilename() {
                return name;
            }
        };
    }

    private static List<Path> documents() throws IOException {
        List<Path> documents = new ArrayList<>(List.of(ROOT.resolve("README.md")));
        try (Stream<Path> docs = Files.list(ROOT.resolve("docs"))) {
            docs.filter((path) -> path.toString().endsWith(".md")).sorted().forEach(documents::add);
        }
        return documents;
    }
}
