package io.dptrain.report;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/**
 * Test helper: parses a JSON object with Jackson into maps (which keep the field order) and lists.
 * Trees ({@code readTree}) are avoided: they need a jackson-core as new as jackson-databind.
 */
final class Json {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {
    }

    static Map<String, Object> parse(String json) {
        try {
            return MAPPER.readValue(json, new TypeReference<Map<String, Object>>() { });
        } catch (IOException e) {
            throw new UncheckedIOException("not a JSON object: " + json, e);
        }
    }

    /** The value at a path of field names (String) and list indexes (Integer). */
    static Object at(Object node, Object... path) {
        Object current = node;
        for (Object step : path) {
            current = step instanceof Integer i ? ((List<?>) current).get(i) : ((Map<?, ?>) current).get(step);
        }
        return current;
    }

    static double number(Object node, Object... path) {
        return ((Number) at(node, path)).doubleValue();
    }
}
