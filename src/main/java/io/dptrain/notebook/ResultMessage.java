package io.dptrain.notebook;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * One message of a paragraph's result, as Zeppelin stores it: {@code {"type": "TABLE", "data": "a\tb\n1\t2\n"}}.
 *
 * @param type how Zeppelin displays the data
 * @param data the text, table (tab-separated header line, then one line per row) or markup
 */
public record ResultMessage(Type type, String data) {

    /** Zeppelin's display types (org.apache.zeppelin.interpreter.InterpreterResult.Type, without NULL). */
    public enum Type { TEXT, HTML, ANGULAR, TABLE, IMG, SVG, NETWORK }

    public ResultMessage {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(data, "data");
    }

    /**
     * Splits a paragraph's printed output into messages by Zeppelin's display convention: a line that
     * starts with {@code %table}, {@code %html}, {@code %text} (or another type) followed by a space or
     * the line's end begins a message of that type, the rest of that line being its first data; the
     * output before the first such line is text. Messages whose data is blank are left out, as Zeppelin
     * shows nothing for them.
     */
    public static List<ResultMessage> parse(String output) {
        List<ResultMessage> messages = new ArrayList<>();
        Type type = Type.TEXT;
        StringBuilder data = new StringBuilder();
        for (String line : output.split("(?<=\n)")) {
            Type marked = markedType(line);
            if (marked == null) {
                data.append(line);
                continue;
            }
            add(messages, type, data);
            type = marked;
            data.setLength(0);
            String rest = line.substring(marked.name().length() + 1);
            data.append(rest.startsWith(" ") ? rest.substring(1) : rest.startsWith("\n") ? "" : rest);
        }
        add(messages, type, data);
        return messages;
    }

    private static Type markedType(String line) {
        if (!line.startsWith("%")) {
            return null;
        }
        for (Type type : Type.values()) {
            String marker = "%" + type.name().toLowerCase(Locale.ROOT);
            if (line.startsWith(marker) && (line.length() == marker.length()
                    || line.charAt(marker.length()) == ' ' || line.charAt(marker.length()) == '\n')) {
                return type;
            }
        }
        return null;
    }

    private static void add(List<ResultMessage> messages, Type type, StringBuilder data) {
        if (!data.toString().isBlank()) {
            messages.add(new ResultMessage(type, data.toString()));
        }
    }
}
