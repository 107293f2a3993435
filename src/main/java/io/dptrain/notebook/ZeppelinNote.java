package io.dptrain.notebook;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.dptrain.io.AtomicOutput;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A Zeppelin note ({@code .zpln}): a JSON object with a {@code name}, an {@code id} and a
 * {@code paragraphs} array whose entries each have an {@code id} (unique within the note) and a
 * {@code text}. The note is kept as a JSON tree, so every field this class does not know (config,
 * forms, dates, Zeppelin's bookkeeping) is written back unchanged.
 */
public final class ZeppelinNote {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final String source;
    private final ObjectNode json;
    private final List<Paragraph> paragraphs;

    private ZeppelinNote(String source, ObjectNode json, List<Paragraph> paragraphs) {
        this.source = source;
        this.json = json;
        this.paragraphs = List.copyOf(paragraphs);
    }

    /**
     * Reads and validates a note file.
     *
     * @throws IllegalArgumentException naming the file when it is not JSON or not in Zeppelin's format
     */
    public static ZeppelinNote read(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read note " + file, e);
        }
        return parse(file.toString(), text);
    }

    /**
     * Parses and validates a note.
     *
     * @param source where the text came from, for error messages
     * @throws IllegalArgumentException naming the source when it is not JSON or not in Zeppelin's format
     */
    public static ZeppelinNote parse(String source, String text) {
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("note " + source + " is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (!(root instanceof ObjectNode note)) {
            throw new IllegalArgumentException("note " + source + " must be a JSON object, not " + root.getNodeType());
        }
        requireText(note, "name", "note " + source);
        requireText(note, "id", "note " + source);
        if (!(note.get("paragraphs") instanceof ArrayNode array)) {
            throw new IllegalArgumentException("note " + source + " has no 'paragraphs' array");
        }
        List<Paragraph> paragraphs = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < array.size(); i++) {
            String where = "paragraph " + (i + 1) + " of note " + source;
            if (!(array.get(i) instanceof ObjectNode paragraph)) {
                throw new IllegalArgumentException(where + " must be a JSON object, not " + array.get(i).getNodeType());
            }
            String id = requireText(paragraph, "id", where);
            if (id.isBlank()) {
                throw new IllegalArgumentException(where + " has a blank 'id'");
            }
            if (!ids.add(id)) {
                throw new IllegalArgumentException(where + " repeats the id '" + id + "' of an earlier paragraph");
            }
            requireText(paragraph, "text", where);
            paragraphs.add(new Paragraph(i + 1, paragraph));
        }
        return new ZeppelinNote(source, note, paragraphs);
    }

    private static String requireText(ObjectNode node, String field, String where) {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual()) {
            throw new IllegalArgumentException(where + " needs a string '" + field + "', found "
                    + (value == null ? "none" : value.getNodeType().toString()));
        }
        return value.asText();
    }

    /** The file (or other source) the note was read from. */
    public String source() {
        return source;
    }

    /** The note's {@code name}. */
    public String name() {
        return json.get("name").asText();
    }

    /** The note's {@code id}. */
    public String id() {
        return json.get("id").asText();
    }

    /**
     * The interpreter group of paragraphs without a {@code %} prefix ({@code defaultInterpreterGroup},
     * Zeppelin's default {@code spark} when the note does not say).
     */
    public String defaultInterpreterGroup() {
        JsonNode group = json.get("defaultInterpreterGroup");
        return group != null && group.isTextual() && !group.asText().isBlank() ? group.asText() : "spark";
    }

    /** The paragraphs in order; changes to them ({@link Paragraph#finish}) change this note. */
    public List<Paragraph> paragraphs() {
        return paragraphs;
    }

    /** The note as Zeppelin stores it (indented JSON). */
    public String toJson() {
        try {
            return JSON.writeValueAsString(json);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write note " + source + " as JSON", e);
        }
    }

    /**
     * Writes the note to a local file atomically ({@link AtomicOutput}: a hidden sibling file renamed
     * into place), so an interrupted run never leaves half a note where Zeppelin would load it. An
     * existing file is replaced.
     */
    public void write(Path file) {
        Path target = file.toAbsolutePath();
        try {
            // the raw local file system: no .crc sidecar files next to the note
            FileSystem local = FileSystem.getLocal(new Configuration()).getRaw();
            byte[] bytes = (toJson() + "\n").getBytes(StandardCharsets.UTF_8);
            AtomicOutput.writeFile(local, new org.apache.hadoop.fs.Path(target.toUri()), true, out -> out.write(bytes));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write note " + name() + " to " + target, e);
        }
    }

    /** One paragraph of a note: a view on its JSON object. */
    public static final class Paragraph {
        private final int number;
        private final ObjectNode json;

        private Paragraph(int number, ObjectNode json) {
            this.number = number;
            this.json = json;
        }

        /** Position in the note, from 1 (as Zeppelin's UI counts). */
        public int number() {
            return number;
        }

        /** The paragraph's {@code id}. */
        public String id() {
            return json.get("id").asText();
        }

        /** The code, with its {@code %interpreter} prefix if it has one. */
        public String text() {
            return json.get("text").asText();
        }

        /** False when the paragraph is disabled ({@code config.enabled: false}); Zeppelin does not run those. */
        public boolean enabled() {
            JsonNode enabled = json.path("config").path("enabled");
            return !enabled.isBoolean() || enabled.asBoolean();
        }

        /** The output recorded in {@code results}, empty when there is none. */
        public List<ResultMessage> results() {
            List<ResultMessage> messages = new ArrayList<>();
            for (JsonNode message : json.path("results").path("msg")) {
                messages.add(new ResultMessage(ResultMessage.Type.valueOf(message.path("type").asText()),
                        message.path("data").asText()));
            }
            return messages;
        }

        /** The {@code status} field (READY, FINISHED, ERROR, ...), empty when there is none. */
        public String status() {
            return json.path("status").asText("");
        }

        /**
         * Records a successful run as Zeppelin does: {@code results = {code: SUCCESS, msg: [...]}},
         * status FINISHED, and the values the paragraph's forms took in {@code settings.params}.
         */
        void finish(List<ResultMessage> messages, Map<String, String> formValues) {
            ObjectNode results = json.putObject("results");
            results.put("code", "SUCCESS");
            ArrayNode msg = results.putArray("msg");
            for (ResultMessage message : messages) {
                msg.addObject().put("type", message.type().name()).put("data", message.data());
            }
            json.put("status", "FINISHED");
            if (!formValues.isEmpty()) {
                JsonNode settings = json.get("settings");
                ObjectNode settingsObject = settings instanceof ObjectNode object ? object : json.putObject("settings");
                JsonNode params = settingsObject.get("params");
                ObjectNode paramsObject = params instanceof ObjectNode object ? object : settingsObject.putObject("params");
                formValues.forEach(paramsObject::put);
            }
        }
    }
}
