package dev.apalis.task;

import java.lang.reflect.Type;
import java.util.Objects;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JavaType;
import tools.jackson.databind.json.JsonMapper;

/**
 * A {@link PayloadCodec} over a Jackson {@link JsonMapper}. Use the application's mapper so that
 * payloads read the way the rest of the application reads JSON; it should not enable default typing.
 */
public final class JsonPayloadCodec implements PayloadCodec {

    private final JsonMapper mapper;

    public JsonPayloadCodec(JsonMapper mapper) {
        this.mapper = Objects.requireNonNull(mapper, "mapper");
    }

    /**
     * A codec over a plain {@link JsonMapper} with Jackson's defaults.
     * @return a codec
     */
    public static JsonPayloadCodec withDefaults() {
        return new JsonPayloadCodec(JsonMapper.builder().findAndAddModules().build());
    }

    @Override
    public String encode(Object payload) {
        try {
            return mapper.writeValueAsString(payload);
        }
        catch (JacksonException ex) {
            throw new PayloadException("Cannot write a payload of type " + typeName(payload)
                    + " as JSON: " + ex.getOriginalMessage() + ". Make it a JSON-mappable type (a record or bean).", ex);
        }
    }

    @Override
    public <T> T decode(String json, Type type) {
        JavaType javaType = mapper.getTypeFactory().constructType(type);
        try {
            return mapper.readValue(json, javaType);
        }
        catch (JacksonException ex) {
            throw new PayloadException("Cannot read the payload as " + javaType.toCanonical() + ": "
                    + ex.getOriginalMessage() + ". The task is killed; fix the producer or the handler's type, "
                    + "then retry it.", ex);
        }
    }

    private static String typeName(Object payload) {
        return (payload != null) ? payload.getClass().getName() : "null";
    }
}
