package io.dptrain.notebook;

import java.io.ByteArrayOutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/**
 * Collects what a paragraph prints, in order, from every place Zeppelin collects it from: Scala's
 * {@code Console.out} (println in the REPL), Java's {@code System.out}, the REPL's own messages
 * (results such as {@code x: Int = 2}, compile errors, exceptions) and {@code z.show}.
 */
final class OutputCapture {
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    private final PrintStream stream = new PrintStream(buffer, true, StandardCharsets.UTF_8);
    private final PrintWriter writer = new PrintWriter(new OutputStreamWriter(stream, StandardCharsets.UTF_8), true);

    /** The stream {@code z} prints to. */
    PrintStream stream() {
        return stream;
    }

    /** The writer the REPL prints its messages to. */
    PrintWriter writer() {
        return writer;
    }

    /** Runs {@code work} with standard output redirected here and returns its result and what was printed. */
    <T> Captured<T> during(Supplier<T> work) {
        buffer.reset();
        PrintStream systemOut = System.out;
        System.setOut(stream);
        try {
            T value = scala.Console$.MODULE$.withOut(stream, work::get);
            return new Captured<>(value, text());
        } finally {
            System.setOut(systemOut);
        }
    }

    /** What was printed since the last {@link #during}. */
    String text() {
        writer.flush();
        stream.flush();
        return buffer.toString(StandardCharsets.UTF_8);
    }

    /** A result and the output printed while computing it. */
    record Captured<T>(T value, String output) {
    }
}
