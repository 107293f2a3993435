package io.dptrain.json;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.util.stream.Collectors;

/**
 * The one Jackson mapper of dptrain, configured once. Its rules:
 * <ul>
 *   <li>Records are written with their components in declaration order, and read back through their
 *       canonical constructor, so a record's validation also checks what is read.</li>
 *   <li>Doubles are written exactly ({@link Double#toString}: they read back bit for bit).
 *       Non-finite values, which JSON has no number for, are written as the strings {@code "NaN"},
 *       {@code "Infinity"} and {@code "-Infinity"} ({@link JsonWriteFeature#WRITE_NAN_AS_STRINGS}):
 *       the file stays valid JSON for every reader, NaN and the infinities stay apart, and Jackson
 *       reads these strings back into a double (so do Spark's JSON reader and pandas with a
 *       float dtype).</li>
 *   <li>A field a record does not have is an error ({@link DeserializationFeature#FAIL_ON_UNKNOWN_PROPERTIES}),
 *       and so is {@code null} for a primitive ({@link DeserializationFeature#FAIL_ON_NULL_FOR_PRIMITIVES}):
 *       neither is silently read as something else.</li>
 *   <li>Files for people (provenance.json) are indented ({@link #indented()}); machine files
 *       (metrics.jsonl, checkpoint metrics) are one compact object per line ({@link #compact()}).</li>
 * </ul>
 */
public final class Json {
    /** The mapper; thread-safe once configured. Use {@link #compact()} or {@link #indented()} to write. */
    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(JsonWriteFeature.WRITE_NAN_AS_STRINGS)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .build();
    private static final ObjectWriter COMPACT = MAPPER.writer();
    private static final ObjectWriter INDENTED = MAPPER.writerWithDefaultPrettyPrinter();

    private Json() {
    }

    /** Writer of one-line JSON, for files read by programs. */
    public static ObjectWriter compact() {
        return COMPACT;
    }

    /** Writer of indented JSON, for files read by people. */
    public static ObjectWriter indented() {
        return INDENTED;
    }

    /** One line of JSON for {@code value}. */
    public static String toLine(Object value) {
        try {
            return COMPACT.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write a " + value.getClass().getSimpleName() + " as JSON: "
                    + e.getOriginalMessage(), e);
        }
    }

    /**
     * Reads a {@code type} from JSON text; {@code source} names the text in the error, which says what is
     * wrong where (Jackson's message: the field, the line and column).
     */
    public static <T> T read(String json, Class<T> type, String source) {
        try {
            return MAPPER.readValue(json, type);
        } catch (JsonProcessingException e) {
            throw malformed(source, type, e);
        }
    }

    /** As {@link #read(String, Class, String)} from a tree already parsed (errors then name no line). */
    public static <T> T read(JsonNode tree, Class<T> type, String source) {
        try {
            return MAPPER.treeToValue(tree, type);
        } catch (JsonProcessingException e) {
            throw malformed(source, type, e);
        }
    }

    /** The text as a tree, for readers that complete it before mapping it ({@code source} as for read). */
    public static JsonNode tree(String json, String source) {
        try {
            return MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw malformed(source, JsonNode.class, e);
        }
    }

    private static IllegalArgumentException malformed(String source, Class<?> type, JsonProcessingException e) {
        Throwable cause = e.getCause();
        String why = cause instanceof IllegalArgumentException ? cause.getMessage() : e.getOriginalMessage();
        String field = e instanceof JsonMappingException m && !m.getPath().isEmpty()
                ? " at " + m.getPath().stream().map(r -> r.getFieldName() != null ? r.getFieldName()
                        : String.valueOf(r.getIndex())).collect(Collectors.joining(".")) : "";
        String at = e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ", column "
                + e.getLocation().getColumnNr() + ")";
        return new IllegalArgumentException(source + " is not a valid " + type.getSimpleName() + field + at + ": "
                + why, e);
    }
}
