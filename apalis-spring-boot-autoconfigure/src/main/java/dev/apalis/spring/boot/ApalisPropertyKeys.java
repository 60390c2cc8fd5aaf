package dev.apalis.spring.boot;

import java.beans.PropertyDescriptor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import org.springframework.beans.BeanUtils;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.core.ResolvableType;
import org.springframework.util.ClassUtils;

/**
 * Every key that {@code apalis.*} accepts: derived from the structure of {@link ApalisProperties},
 * plus {@link #EXTRA the keys of groups bound elsewhere}. Map keys (worker names) are wildcards. This
 * is the one list to extend when a group is bound outside {@code ApalisProperties}.
 */
final class ApalisPropertyKeys {

    /** The prefix of every key. */
    static final String PREFIX = "apalis";

    /**
     * Keys bound outside {@link ApalisProperties}, relative to {@code apalis}, {@code *} for a name the
     * user chooses; a key ending in {@code .**} accepts anything beneath it (structured values).
     */
    static final List<String> EXTRA = List.of("schedules.*.cron", "schedules.*.zone", "schedules.*.queue",
            "schedules.*.payload", "schedules.*.payload.**", "schedules.*.enabled", "schedules.*.catch-up",
            "schedules.*.overlap", "schedules.*.catch-up-limit", "dashboard.enabled", "dashboard.path",
            "dashboard.access", "dashboard.operator-role", "dashboard.viewer-role", "dashboard.refresh-interval",
            "dashboard.page-size");

    private static final List<Key> KEYS = keys();

    private ApalisPropertyKeys() {
    }

    /**
     * The known keys.
     * @return the keys, in the order of the properties class
     */
    static List<Key> all() {
        return KEYS;
    }

    /**
     * The known key that a name found in a property source stands for.
     * @param name a name under {@code apalis}
     * @return the key, or {@code null} if the name is unknown
     */
    static Key find(ConfigurationPropertyName name) {
        for (Key key : KEYS) {
            if (key.matches(name)) {
                return key;
            }
        }
        return null;
    }

    /**
     * Whether a name is a group that holds keys ({@code apalis.workers.email}), not a key itself.
     * @param name a name under {@code apalis}
     * @return {@code true} for a group
     */
    static boolean isGroup(ConfigurationPropertyName name) {
        for (Key key : KEYS) {
            if (key.isBelow(name)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether the first element under {@code apalis} of a name is a known group or key
     * ({@code defaults}, {@code workers}, {@code backend}, ...).
     * @param name a name under {@code apalis}
     * @return {@code true} if it is
     */
    static boolean hasKnownTopLevel(ConfigurationPropertyName name) {
        if (name.getNumberOfElements() < 2) {
            return false;
        }
        String top = name.getElement(1, ConfigurationPropertyName.Form.UNIFORM);
        return KEYS.stream().anyMatch((key) -> key.elements.get(0).equals(top));
    }

    /**
     * The known key closest to an unknown name, by edit distance, with the user's names kept.
     * @param name an unknown name under {@code apalis}
     * @return the closest key, written out, or {@code null} if none is close
     */
    static String closest(ConfigurationPropertyName name) {
        String written = name.toString();
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (Key key : KEYS) {
            if (key.open) {
                continue;
            }
            String candidate = key.writtenFor(name);
            int distance = distance(written, candidate);
            if (distance < bestDistance) {
                best = candidate;
                bestDistance = distance;
            }
        }
        return (best != null && bestDistance <= Math.max(3, written.length() / 3)) ? best : null;
    }

    private static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + ((a.charAt(i - 1) == b.charAt(j - 1)) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }

    private static List<Key> keys() {
        List<Key> keys = new ArrayList<>();
        collect(ResolvableType.forClass(ApalisProperties.class), new ArrayList<>(), keys);
        for (String extra : EXTRA) {
            boolean open = extra.endsWith(".**");
            String path = open ? extra.substring(0, extra.length() - 3) : extra;
            keys.add(new Key(List.of(path.split("\\.")), null, open));
        }
        return Collections.unmodifiableList(keys);
    }

    private static void collect(ResolvableType type, List<String> path, List<Key> keys) {
        Class<?> resolved = type.resolve(Object.class);
        for (PropertyDescriptor descriptor : BeanUtils.getPropertyDescriptors(resolved)) {
            if (descriptor.getReadMethod() == null || descriptor.getName().equals("class")) {
                continue;
            }
            List<String> child = new ArrayList<>(path);
            child.add(dashed(descriptor.getName()));
            ResolvableType propertyType = ResolvableType.forMethodReturnType(descriptor.getReadMethod(), resolved);
            Class<?> propertyClass = propertyType.resolve(Object.class);
            if (isLeaf(propertyClass)) {
                keys.add(new Key(child, ClassUtils.resolvePrimitiveIfNecessary(propertyClass), false));
            }
            else if (Map.class.isAssignableFrom(propertyClass)) {
                child.add("*");
                ResolvableType valueType = propertyType.asMap().getGeneric(1);
                if (isLeaf(valueType.resolve(Object.class))) {
                    keys.add(new Key(child, valueType.resolve(Object.class), false));
                }
                else {
                    collect(valueType, child, keys);
                }
            }
            else {
                collect(propertyType, child, keys);
            }
        }
    }

    private static boolean isLeaf(Class<?> type) {
        return BeanUtils.isSimpleValueType(type) || type == Duration.class;
    }

    private static String dashed(String camel) {
        StringBuilder dashed = new StringBuilder();
        for (char c : camel.toCharArray()) {
            if (Character.isUpperCase(c)) {
                dashed.append('-').append(Character.toLowerCase(c));
            }
            else {
                dashed.append(c);
            }
        }
        return dashed.toString();
    }

    /**
     * A known key: its elements under {@code apalis} in kebab case ({@code *} for a user's name), the
     * type its value is bound to ({@code null} when bound elsewhere), and whether anything beneath it
     * is accepted.
     */
    static final class Key {

        private final List<String> written;

        private final List<String> elements;

        private final Class<?> type;

        private final boolean open;

        Key(List<String> written, Class<?> type, boolean open) {
            this.written = List.copyOf(written);
            this.elements = written.stream().map((element) -> element.replace("-", "")).toList();
            this.type = type;
            this.open = open;
        }

        /** The type the value is bound to, or {@code null} when bound elsewhere. */
        Class<?> type() {
            return this.type;
        }

        boolean matches(ConfigurationPropertyName name) {
            int size = name.getNumberOfElements() - 1;
            if (open ? size < elements.size() : size != elements.size()) {
                return false;
            }
            return matchesElements(name, elements.size());
        }

        boolean isBelow(ConfigurationPropertyName name) {
            int size = name.getNumberOfElements() - 1;
            return size < elements.size() && matchesElements(name, size);
        }

        private boolean matchesElements(ConfigurationPropertyName name, int count) {
            for (int i = 0; i < count; i++) {
                String expected = elements.get(i);
                String element = name.getElement(i + 1, ConfigurationPropertyName.Form.UNIFORM);
                if (!expected.equals("*") && !expected.equals(element.replace("_", ""))) {
                    return false;
                }
            }
            return true;
        }

        /**
         * This key written with the user's names taken from a found name:
         * {@code apalis.workers.flaky.concurrency} for {@code apalis.workers.flaky.concurency}.
         */
        String writtenFor(ConfigurationPropertyName name) {
            StringBuilder text = new StringBuilder(PREFIX);
            for (int i = 0; i < written.size(); i++) {
                String element = written.get(i);
                if (element.equals("*")) {
                    element = (i + 1 < name.getNumberOfElements())
                            ? name.getElement(i + 1, ConfigurationPropertyName.Form.ORIGINAL) : "<name>";
                }
                text.append('.').append(element);
            }
            return text.toString();
        }

        @Override
        public String toString() {
            return PREFIX + "." + String.join(".", written) + (open ? ".**" : "");
        }
    }
}
