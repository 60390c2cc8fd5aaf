package dev.apalis.spring.boot.docs;

import java.beans.Introspector;
import java.beans.PropertyDescriptor;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.apalis.spring.TaskHandler;
import dev.apalis.spring.boot.ApalisProperties;
import dev.apalis.spring.boot.NamedWorkerProperties;
import dev.apalis.spring.boot.WorkerProperties;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code docs/configuration.md} agrees with the configuration metadata generated from
 * {@link ApalisProperties}: the same properties, types and defaults, both ways; the per-worker table
 * lists exactly the properties of {@link NamedWorkerProperties}. (Its Java examples, quoted from
 * the classes of this package, are checked by {@code dev.apalis.docs.DocsSnippetsTest}.)
 */
class ConfigurationDocumentationTests {

    private static final Path DOCUMENT = Path.of("../docs/configuration.md");

    private static final Path METADATA = Path.of("target/classes/META-INF/spring-configuration-metadata.json");

    private static final Pattern ROW = Pattern
        .compile("^\\| `(apalis\\.[^`]+)` \\| ([^|]+?) \\| ([^|]+?) \\| (.+) \\|$", Pattern.MULTILINE);

    private static final Pattern ATTRIBUTE_ROW = Pattern.compile(
            "^\\| `([a-zA-Z` /]+)` \\| [^|]+ \\| (?:`([a-z.-]+)`|the key under `apalis.workers`) \\|$",
            Pattern.MULTILINE);

    private static final String PER_WORKER = "apalis.workers.<name>.";

    @Test
    void everyMetadataPropertyIsDocumentedWithItsTypeDefaultAndDescription() throws IOException {
        Map<String, Row> documented = documentedProperties();
        for (JsonNode property : metadataProperties()) {
            String name = property.get("name").asString();
            assertThat(documented).as("docs/configuration.md row for %s", name).containsKey(name);
            Row row = documented.get(name);
            assertThat(row.type()).as("type of %s", name).isEqualTo(documentedType(property.get("type").asString()));
            assertThat(normalizedDefault(row.defaultValue())).as("default of %s", name)
                .isEqualTo(normalizedDefault(property.has("defaultValue") ? property.get("defaultValue") : null));
            assertThat(row.description()).as("description of %s", name)
                .startsWith(property.get("description").asString());
        }
    }

    @Test
    void everyDocumentedPropertyIsInTheMetadata() throws IOException {
        Set<String> inMetadata = metadataProperties().stream()
            .map((property) -> property.get("name").asString())
            .collect(Collectors.toSet());
        assertThat(documentedProperties().keySet()).allSatisfy((name) -> assertThat(inMetadata)
            .as("metadata property for the documented %s", name)
            .contains(name));
    }

    @Test
    void perWorkerTableListsExactlyThePropertiesOfAWorker() throws Exception {
        Map<String, Row> documented = perWorkerProperties();
        Map<String, String> expected = new LinkedHashMap<>();
        collectProperties(NamedWorkerProperties.class, "", expected);
        assertThat(documented.keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet());
        expected.forEach((name, type) -> assertThat(documented.get(name).type()).as("type of %s", name).isEqualTo(type));
    }

    @Test
    void everyWorkerSettingWithADefaultCanBeSetPerWorker() throws Exception {
        Map<String, String> perWorker = new LinkedHashMap<>();
        collectProperties(NamedWorkerProperties.class, "", perWorker);
        Set<String> defaults = metadataProperties().stream()
            .map((property) -> property.get("name").asString())
            .filter((name) -> name.startsWith("apalis.defaults."))
            .map((name) -> name.substring("apalis.defaults.".length()))
            .collect(Collectors.toCollection(TreeSet::new));
        assertThat(perWorker.keySet()).containsAll(defaults);
    }

    @Test
    void attributeTableListsEveryTaskHandlerAttributeWithItsProperty() throws Exception {
        Map<String, String> perWorker = new LinkedHashMap<>();
        collectProperties(NamedWorkerProperties.class, "", perWorker);
        Matcher rows = ATTRIBUTE_ROW.matcher(read(DOCUMENT));
        Set<String> documented = new TreeSet<>();
        while (rows.find()) {
            for (String attribute : rows.group(1).split("` / `")) {
                documented.add(attribute);
            }
            String property = rows.group(2);
            if (!rows.group(1).startsWith("value")) {
                assertThat(perWorker).as("property of attribute %s", rows.group(1)).containsKey(property);
            }
        }
        Set<String> attributes = Stream.of(TaskHandler.class.getDeclaredMethods())
            .map(Method::getName)
            .collect(Collectors.toCollection(TreeSet::new));
        assertThat(documented).isEqualTo(attributes);
    }

    @Test
    void descriptionsFollowSpringBootsStyle() throws IOException {
        for (JsonNode property : metadataProperties()) {
            String name = property.get("name").asString();
            assertThat(property.has("description")).as("description of %s", name).isTrue();
            String description = property.get("description").asString();
            assertThat(description).as("description of %s", name).doesNotStartWith("The ").endsWith(".");
            if (property.get("type").asString().equals("java.lang.Boolean")) {
                assertThat(description).as("description of %s", name).startsWith("Whether ");
            }
        }
    }

    private static Map<String, Row> documentedProperties() {
        Map<String, Row> rows = new LinkedHashMap<>();
        rows(read(DOCUMENT)).forEach((row) -> {
            if (!row.name().startsWith(PER_WORKER)) {
                rows.put(row.name(), row);
            }
        });
        return rows;
    }

    private static Map<String, Row> perWorkerProperties() {
        Map<String, Row> rows = new LinkedHashMap<>();
        rows(read(DOCUMENT)).forEach((row) -> {
            if (row.name().startsWith(PER_WORKER)) {
                rows.put(row.name().substring(PER_WORKER.length()), row);
            }
        });
        return rows;
    }

    private static List<Row> rows(String document) {
        List<Row> rows = new ArrayList<>();
        Matcher matcher = ROW.matcher(document);
        while (matcher.find()) {
            rows.add(new Row(matcher.group(1), matcher.group(2).trim(), matcher.group(3).trim(),
                    matcher.group(4).trim()));
        }
        return rows;
    }

    private static List<JsonNode> metadataProperties() throws IOException {
        assertThat(METADATA).as("metadata generated by spring-boot-configuration-processor").exists();
        JsonNode metadata = JsonMapper.builder().build().readTree(Files.readString(METADATA));
        List<JsonNode> properties = new ArrayList<>();
        // only apalis.*: the management.endpoint.apalis.* entries the processor writes for the endpoint
        // are Actuator's own properties, documented in docs/observability.md
        metadata.get("properties").forEach((property) -> {
            if (property.get("name").asString().startsWith("apalis.")) {
                properties.add(property);
            }
        });
        assertThat(properties).isNotEmpty();
        return properties;
    }

    /** The type as the document writes it: a simple name, or the values of an enum. */
    private static String documentedType(String metadataType) {
        if (metadataType.startsWith("java.util.Map<")) {
            return "Map<String, " + simpleName(metadataType.substring(metadataType.indexOf(',') + 1,
                    metadataType.length() - 1)) + ">";
        }
        try {
            Class<?> type = Class.forName(metadataType);
            if (type.isEnum()) {
                return "enum: " + Stream.of(type.getEnumConstants())
                    .map((constant) -> "`" + constant.toString().toLowerCase(Locale.ROOT) + "`")
                    .collect(Collectors.joining(", "));
            }
        }
        catch (ClassNotFoundException ex) {
            throw new IllegalStateException(ex);
        }
        return simpleName(metadataType);
    }

    private static String simpleName(String typeName) {
        String name = typeName.trim();
        return name.substring(Math.max(name.lastIndexOf('.'), name.lastIndexOf('$')) + 1);
    }

    private static String normalizedDefault(Object value) {
        if (value == null) {
            return "(none)";
        }
        String text = (value instanceof JsonNode node) ? node.asString() : value.toString().replace("`", "");
        if (text.startsWith("(")) {
            // A default in parentheses, such as "(none)" or "(adaptive)", says what no value means.
            return "(none)";
        }
        try {
            return Double.toString(Double.parseDouble(text));
        }
        catch (NumberFormatException ex) {
            return text.toLowerCase(Locale.ROOT);
        }
    }

    private static void collectProperties(Class<?> type, String prefix, Map<String, String> properties)
            throws Exception {
        for (PropertyDescriptor descriptor : Introspector.getBeanInfo(type, Object.class).getPropertyDescriptors()) {
            String name = prefix + descriptor.getName().replaceAll("([A-Z])", "-$1").toLowerCase(Locale.ROOT);
            Class<?> propertyType = descriptor.getPropertyType();
            if (propertyType.getName().startsWith(WorkerProperties.class.getName() + "$")) {
                collectProperties(propertyType, name + ".", properties);
            }
            else {
                properties.put(name, propertyType.getSimpleName());
            }
        }
    }

    private static String read(Path path) {
        try {
            return Files.readString(path, StandardCharsets.UTF_8);
        }
        catch (IOException ex) {
            throw new IllegalStateException("Cannot read " + path.toAbsolutePath(), ex);
        }
    }

    /** Lines without their indentation and without blank lines, so that an excerpt matches its class. */
    record Row(String name, String type, String defaultValue, String description) {
    }
}
