package dev.apalis.task;

import java.lang.reflect.Type;

/**
 * Turns payloads into JSON text and back. Payloads are read only as the handler's declared type:
 * an implementation must never take a type name from the payload itself.
 */
public interface PayloadCodec {

    /**
     * Writes a payload as JSON.
     * @param payload the payload
     * @return its JSON text
     * @throws PayloadException if it cannot be written
     */
    String encode(Object payload);

    /**
     * Reads a payload as the given type.
     * @param json JSON text
     * @param type the declared payload type
     * @param <T> the payload type
     * @return the payload
     * @throws PayloadException if it is not valid JSON or does not map to the type
     */
    <T> T decode(String json, Type type);
}
