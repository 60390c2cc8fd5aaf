package dev.apalis.task;

import java.lang.reflect.Type;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class JsonPayloadCodecTest {

    record Email(String to, String subject, int retries) {
    }

    private final JsonPayloadCodec codec = JsonPayloadCodec.withDefaults();

    @Test
    void roundTripsARecord() {
        Email email = new Email("a@example.com", "Hello \"you\"", 2);
        String json = codec.encode(email);
        assertThat(json).contains("\"to\":\"a@example.com\"");
        Email read = codec.decode(json, Email.class);
        assertThat(read).isEqualTo(email);
    }

    @Test
    void roundTripsGenericTypes() {
        Type type = new TypeReference<List<Email>>() { }.getType();
        List<Email> emails = List.of(new Email("a", "s1", 0), new Email("b", "s2", 1));
        List<Email> read = codec.decode(codec.encode(emails), type);
        assertThat(read).isEqualTo(emails);
        Map<String, Integer> counts = codec.decode("{\"x\":1,\"y\":2}",
                new TypeReference<Map<String, Integer>>() { }.getType());
        assertThat(counts).containsExactlyInAnyOrderEntriesOf(Map.of("x", 1, "y", 2));
    }

    @Test
    void roundTripsScalars() {
        assertThat((Integer) codec.decode(codec.encode(42), Integer.class)).isEqualTo(42);
        assertThat((String) codec.decode(codec.encode("text"), String.class)).isEqualTo("text");
    }

    @Test
    void usesTheGivenMapper() {
        JsonPayloadCodec custom = new JsonPayloadCodec(JsonMapper.builder().build());
        assertThat((Email) custom.decode("{\"to\":\"x\",\"subject\":\"y\",\"retries\":3}", Email.class))
            .isEqualTo(new Email("x", "y", 3));
    }

    @Test
    void invalidJsonIsAPayloadExceptionNamingTheType() {
        assertThatExceptionOfType(PayloadException.class).isThrownBy(() -> codec.decode("{not json", Email.class))
            .withMessageStartingWith("Cannot read the payload as " + Email.class.getName())
            .withMessageContaining("The task is killed")
            .withCauseInstanceOf(tools.jackson.core.JacksonException.class);
    }

    @Test
    void jsonOfTheWrongShapeIsAPayloadException() {
        assertThatExceptionOfType(PayloadException.class)
            .isThrownBy(() -> codec.decode("{\"to\":\"x\",\"subject\":\"y\",\"retries\":\"many\"}", Email.class))
            .withMessageContaining("Cannot read the payload as " + Email.class.getName());
        assertThatExceptionOfType(PayloadException.class).isThrownBy(() -> codec.decode("[1,2,3]", Email.class))
            .withMessageContaining(Email.class.getName());
    }

    @Test
    void aPayloadThatCannotBeWrittenIsAPayloadExceptionNamingItsType() {
        Unwritable unwritable = new Unwritable();
        assertThatExceptionOfType(PayloadException.class).isThrownBy(() -> codec.encode(unwritable))
            .withMessageStartingWith("Cannot write a payload of type " + Unwritable.class.getName() + " as JSON")
            .withMessageContaining("Make it a JSON-mappable type");
    }

    /** A bean whose only property cannot be read. */
    static final class Unwritable {

        public String getSecret() {
            throw new IllegalStateException("not readable");
        }
    }
}
