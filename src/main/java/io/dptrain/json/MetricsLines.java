package io.dptrain.json;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.module.SimpleModule;
import io.dptrain.RoundMetrics;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The one encoding of {@link RoundMetrics}: JSON lines, one compact object per round, fields named and
 * ordered as the record's components, written and read by {@link Json}'s mapper. metrics.jsonl next
 * to a model and the metrics inside a checkpoint are both this text. Lossless: every double reads back
 * bit for bit; a non-finite one is the string {@code "NaN"}, {@code "Infinity"} or {@code "-Infinity"}.
 *
 * <p>One allowance when reading: metrics.jsonl files of earlier dptrain versions wrote a non-finite
 * loss as {@code null}, so a null double reads as NaN (the only thing it can have been); a missing
 * field is still an error.
 */
public final class MetricsLines {
    private static final ObjectReader READER = Json.MAPPER.copy()
            .registerModule(new SimpleModule("null-double-as-NaN").addDeserializer(double.class, new NullAsNaN()))
            .readerFor(RoundMetrics.class)
            .with(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES);

    private MetricsLines() {
    }

    /** One line per round, each ending in {@code \n}; empty for no rounds. */
    public static String write(List<RoundMetrics> rounds) {
        StringBuilder lines = new StringBuilder();
        for (RoundMetrics m : rounds) {
            lines.append(Json.toLine(m)).append('\n');
        }
        return lines.toString();
    }

    /**
     * The rounds of JSON-lines text (blank lines skipped); {@code source} names the text in errors,
     * which give the line number and what is wrong there.
     */
    public static List<RoundMetrics> read(String text, String source) {
        List<RoundMetrics> rounds = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].isBlank()) {
                continue;
            }
            try {
                rounds.add(READER.readValue(lines[i]));
            } catch (IOException e) {
                throw new IllegalArgumentException(source + " line " + (i + 1) + " is not a round's metrics: "
                        + (e instanceof JsonProcessingException p
                        ? p.getOriginalMessage() : e.getMessage()), e);
            }
        }
        return rounds;
    }

    /** A primitive double that reads {@code null} as NaN and everything else as Jackson does. */
    private static final class NullAsNaN extends StdScalarDeserializer<Double> {
        NullAsNaN() {
            super(Double.TYPE);
        }

        @Override
        public Double deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            return _parseDoublePrimitive(p, ctxt);
        }

        @Override
        public Double getNullValue(DeserializationContext ctxt) {
            return Double.NaN;
        }
    }
}
