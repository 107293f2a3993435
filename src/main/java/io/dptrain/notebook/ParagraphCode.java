package io.dptrain.notebook;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A paragraph's text split as Zeppelin splits it: the interpreter named by its {@code %name} prefix
 * (local properties in parentheses ignored), or the note's default interpreter group when there is
 * no prefix, and the code after the prefix.
 *
 * @param interpreter which interpreter runs the code
 * @param code        the code without its prefix, trimmed
 */
record ParagraphCode(Interpreter interpreter, String code) {
    private static final Pattern PREFIX = Pattern.compile("^\\s*%([\\w.-]+)(\\([^)]*\\))?(\\s|$)");

    /** The interpreters this runner has; Zeppelin names them {@code group.name}. */
    enum Interpreter {
        /** {@code %spark}: Scala in the Spark REPL. */
        SCALA("spark.spark"),
        /** {@code %sql} or {@code %spark.sql}: Spark SQL on the note's session. */
        SQL("spark.sql"),
        /** {@code %md}: markdown, which Zeppelin renders; nothing to run. */
        MARKDOWN("md.md");

        final String qualifiedName;

        Interpreter(String qualifiedName) {
            this.qualifiedName = qualifiedName;
        }
    }

    /**
     * @param defaultGroup the note's {@code defaultInterpreterGroup}
     * @throws IllegalArgumentException naming the interpreter when it is not one of {@link Interpreter}
     */
    static ParagraphCode parse(String text, String defaultGroup) {
        Matcher prefix = PREFIX.matcher(text);
        boolean prefixed = prefix.find();
        String name = prefixed ? prefix.group(1) : defaultGroup;
        String code = prefixed ? text.substring(prefix.end()) : text;
        // Zeppelin resolves a bare name as a group (its default interpreter shares the group's name),
        // except names of interpreters in the default group, such as sql in spark.
        String qualified = name.contains(".") ? name
                : "spark".equals(defaultGroup) && "sql".equals(name) ? "spark.sql" : name + "." + name;
        for (Interpreter interpreter : Interpreter.values()) {
            if (interpreter.qualifiedName.equals(qualified)) {
                return new ParagraphCode(interpreter, code.trim());
            }
        }
        throw new IllegalArgumentException("interpreter %" + name + " (" + qualified + ") is not supported; "
                + "this runner has %spark, %sql (%spark.sql) and %md");
    }
}
