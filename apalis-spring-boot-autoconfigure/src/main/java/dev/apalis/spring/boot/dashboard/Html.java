package dev.apalis.spring.boot.dashboard;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Writes HTML with every text and attribute value escaped: callers name elements and attributes
 * (constants of this package) and pass values, which can never close a tag or open a script.
 * Elements are closed in order by {@link #end()}; {@link #toString()} checks that all were.
 */
final class Html {

    private static final java.util.Set<String> VOID_ELEMENTS = java.util.Set.of("input", "meta", "link", "br");

    private final StringBuilder out = new StringBuilder(16 * 1024);

    private final Deque<String> open = new ArrayDeque<>();

    /** Starts a document with its doctype. */
    Html() {
        out.append("<!DOCTYPE html>\n");
    }

    /**
     * Opens an element; {@code attributes} are name/value pairs, a {@code null} value leaves the
     * attribute out and an empty one writes it bare ({@code disabled}).
     */
    Html open(String element, String... attributes) {
        tag(element, attributes);
        if (!VOID_ELEMENTS.contains(element)) {
            open.push(element);
        }
        return this;
    }

    /** Closes the innermost open element. */
    Html end() {
        out.append("</").append(open.pop()).append('>');
        return this;
    }

    /** An element holding only text. */
    Html element(String element, Object text, String... attributes) {
        return open(element, attributes).text(text).end();
    }

    /** A void element ({@code input}, {@code meta}, {@code link}). */
    Html empty(String element, String... attributes) {
        if (!VOID_ELEMENTS.contains(element)) {
            throw new IllegalArgumentException(element + " is not a void element");
        }
        tag(element, attributes);
        return this;
    }

    /** Text, escaped; {@code null} writes nothing. */
    Html text(Object text) {
        if (text != null) {
            escape(String.valueOf(text), out);
        }
        return this;
    }

    /** A link. */
    Html link(String href, Object text, String... attributes) {
        String[] all = new String[attributes.length + 2];
        all[0] = "href";
        all[1] = href;
        System.arraycopy(attributes, 0, all, 2, attributes.length);
        return element("a", text, all);
    }

    /** A hidden form field. */
    Html hidden(String name, Object value) {
        return (value != null) ? empty("input", "type", "hidden", "name", name, "value", String.valueOf(value)) : this;
    }

    /**
     * Markup this package wrote itself (an inline SVG chart built with escaped values).
     * @param markup trusted markup, never user input
     */
    Html trusted(Html markup) {
        out.append(markup.body());
        return this;
    }

    private String body() {
        if (!open.isEmpty()) {
            throw new IllegalStateException("Unclosed elements: " + open);
        }
        return out.substring("<!DOCTYPE html>\n".length());
    }

    /** A fragment without doctype, for markup embedded with {@link #trusted}. */
    static Html fragment() {
        Html html = new Html();
        return html;
    }

    private void tag(String element, String... attributes) {
        if (attributes.length % 2 != 0) {
            throw new IllegalArgumentException("attributes come in name/value pairs");
        }
        out.append('<').append(element);
        for (int i = 0; i < attributes.length; i += 2) {
            String value = attributes[i + 1];
            if (value == null) {
                continue;
            }
            out.append(' ').append(attributes[i]);
            if (!value.isEmpty()) {
                out.append("=\"");
                escape(value, out);
                out.append('"');
            }
        }
        out.append('>');
    }

    static void escape(String text, StringBuilder into) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '<' -> into.append("&lt;");
                case '>' -> into.append("&gt;");
                case '&' -> into.append("&amp;");
                case '"' -> into.append("&quot;");
                case '\'' -> into.append("&#39;");
                default -> into.append(c);
            }
        }
    }

    @Override
    public String toString() {
        if (!open.isEmpty()) {
            throw new IllegalStateException("Unclosed elements: " + open);
        }
        return out.toString();
    }
}
