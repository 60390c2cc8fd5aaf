package dev.apalis.docs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keeps the Java code in the docs compiling: every {@code ```java} block in {@code README.md} and
 * {@code docs/*.md} must follow a marker {@code <!-- snippet: path/to/Source.java#region -->}, and
 * its text must equal that region ({@code tag::region[]} to {@code end::region[]}) of a source file
 * that the build compiles, indentation aside.
 */
class DocsSnippetsTest {

    private static final Pattern BLOCK = Pattern
        .compile("(?:<!-- snippet: (\\S+?)#(\\S+?) -->\\s*\\n)?```java\\n(.*?)```", Pattern.DOTALL);

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @Test
    void everyJavaBlockInTheDocsQuotesACompiledSource() throws IOException {
        List<String> problems = new ArrayList<>();
        int checked = 0;
        for (Path doc : documents()) {
            Matcher block = BLOCK.matcher(Files.readString(doc));
            while (block.find()) {
                String where = ROOT.relativize(doc) + " at offset " + block.start();
                if (block.group(1) == null) {
                    problems.add(where + ": a ```java block without a <!-- snippet: path#region --> marker");
                    continue;
                }
                Path source = ROOT.resolve(block.group(1));
                if (!Files.isRegularFile(source)) {
                    problems.add(where + ": no source file " + block.group(1));
                    continue;
                }
                String region = region(Files.readString(source), block.group(2));
                if (region == null) {
                    problems.add(where + ": no region '" + block.group(2) + "' in " + block.group(1));
                }
                else if (!dedent(region).equals(dedent(block.group(3)))) {
                    problems.add(where + ": differs from " + block.group(1) + "#" + block.group(2) + "; expected:\n"
                            + dedent(region));
                }
                checked++;
            }
        }
        assertThat(problems).isEmpty();
        assertThat(checked).as("java blocks checked").isPositive();
    }

    private static List<Path> documents() throws IOException {
        List<Path> documents = new ArrayList<>();
        documents.add(ROOT.resolve("README.md"));
        try (Stream<Path> docs = Files.list(ROOT.resolve("docs"))) {
            docs.filter(path -> path.toString().endsWith(".md")).sorted().forEach(documents::add);
        }
        return documents;
    }

    static String region(String source, String name) {
        Matcher matcher = Pattern
            .compile("[ \\t]*// tag::" + Pattern.quote(name) + "\\[]\\n(.*?)[ \\t]*// end::" + Pattern.quote(name) + "\\[]",
                    Pattern.DOTALL)
            .matcher(source);
        return matcher.find() ? matcher.group(1) : null;
    }

    static String dedent(String text) {
        List<String> lines = text.strip().isEmpty() ? List.of() : List.of(text.stripTrailing().split("\\n"));
        int indent = lines.stream()
            .filter(line -> !line.isBlank())
            .mapToInt(line -> line.length() - line.stripLeading().length())
            .min()
            .orElse(0);
        StringBuilder result = new StringBuilder();
        for (String line : lines) {
            if (line.isBlank() && result.isEmpty()) {
                continue;
            }
            result.append(line.isBlank() ? "" : line.substring(indent).stripTrailing()).append('\n');
        }
        return result.toString();
    }
}
