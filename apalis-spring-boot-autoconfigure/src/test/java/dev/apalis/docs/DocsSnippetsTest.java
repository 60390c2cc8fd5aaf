package dev.apalis.docs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keeps the Java code in the docs compiling: every {@code ```java} block in {@code README.md} and
 * {@code docs/*.md} must be quoted, line for line (indentation aside), from a Java source file of one
 * of the project's modules, which the build compiles (and mostly runs as a test).
 */
class DocsSnippetsTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    private static final Pattern JAVA_BLOCK = Pattern.compile("```java\\n(.*?)```", Pattern.DOTALL);

    @Test
    void everyJavaBlockInTheDocsIsQuotedFromACompiledSource() throws IOException {
        String sources = compiledSources();
        List<String> problems = new ArrayList<>();
        int checked = 0;
        for (Path document : documents()) {
            Matcher block = JAVA_BLOCK.matcher(read(document));
            while (block.find()) {
                checked++;
                if (!sources.contains(normalized(block.group(1)))) {
                    problems.add(ROOT.relativize(document) + ", block at offset " + block.start()
                            + ", is not quoted from any Java source:\n" + block.group(1));
                }
            }
        }
        assertThat(problems).isEmpty();
        assertThat(checked).as("java blocks checked").isGreaterThan(10);
    }

    private static List<Path> documents() throws IOException {
        List<Path> documents = new ArrayList<>(List.of(ROOT.resolve("README.md")));
        try (Stream<Path> docs = Files.list(ROOT.resolve("docs"))) {
            docs.filter(path -> path.toString().endsWith(".md")).sorted().forEach(documents::add);
        }
        return documents;
    }

    private static String compiledSources() throws IOException {
        try (Stream<Path> files = Files.walk(ROOT)) {
            return files.filter(path -> path.toString().endsWith(".java"))
                .filter(path -> path.toString().contains("/src/"))
                .filter(path -> !path.toString().contains("/target/"))
                .map(DocsSnippetsTest::read)
                .map(DocsSnippetsTest::normalized)
                .collect(Collectors.joining("\n"));
        }
    }

    private static String read(Path path) {
        try {
            return Files.readString(path);
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    private static String normalized(String code) {
        return code.lines().map(String::strip).filter(line -> !line.isEmpty()).collect(Collectors.joining("\n"));
    }
}
