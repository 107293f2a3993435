package io.dptrain.notebook;

import scala.collection.JavaConverters;
import scala.tools.nsc.Settings;
import scala.tools.nsc.interpreter.IMain;
import scala.tools.nsc.interpreter.Results;
import scala.runtime.BoxedUnit;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Spark's Scala 2.12 REPL set up as Zeppelin's Spark interpreter sets it up: class-based wrappers
 * ({@code -Yrepl-class-based}, so a closure that refers to an earlier paragraph's values serializes
 * the wrapper instance instead of a static object executors cannot initialise), compiled classes
 * written to {@code outputDir} (which Spark serves to executors as {@code spark.repl.class.uri}), and
 * the JVM's class path as the compiler's.
 */
final class ScalaRepl implements AutoCloseable {
    /** A compiler error as the REPL reports it, e.g. {@code <console>:25: error: not found: value x}. */
    private static final Pattern COMPILE_ERROR = Pattern.compile("(?m)^<[\\w-]+>:\\d+: error:");

    private final OutputCapture capture;
    private final IMain intp;

    ScalaRepl(Path outputDir, OutputCapture capture) {
        this.capture = capture;
        List<String> errors = new ArrayList<>();
        Settings settings = new Settings(message -> {
            errors.add(message);
            return BoxedUnit.UNIT;
        });
        List<String> args = List.of("-Yrepl-class-based", "-Yrepl-outdir", outputDir.toString(), "-usejavacp");
        boolean parsed = (Boolean) settings.processArguments(JavaConverters.asScalaBuffer(args).toList(), true)._1();
        if (!parsed || !errors.isEmpty()) {
            throw new NotebookException("the Scala REPL rejected its settings " + args + ": " + errors);
        }
        intp = new IMain(settings, capture.writer());
        intp.initializeSynchronous();
    }

    /**
     * Runs {@code work} with the REPL's class loader as the thread's context class loader, as Zeppelin
     * runs {@code %sql}: Spark SQL finds the classes of a note's case classes through it (generated
     * code that names them does not compile otherwise, and Spark falls back to slower plans).
     */
    <T> T withClassLoader(Supplier<T> work) {
        Thread thread = Thread.currentThread();
        ClassLoader saved = thread.getContextClassLoader();
        thread.setContextClassLoader(intp.classLoader());
        try {
            return work.get();
        } finally {
            thread.setContextClassLoader(saved);
        }
    }

    /**
     * Binds {@code value} to {@code name} with the given static type, {@code @transient} so that a
     * closure using it does not try to serialise it (as Zeppelin binds spark, sc and z).
     */
    void bind(String name, String type, Object value) {
        Outcome outcome = outcome(capture.during(() -> intp.bind(name, type, value,
                JavaConverters.asScalaBuffer(List.of("@transient")).toList())));
        if (!outcome.succeeded()) {
            throw new NotebookException("the Scala REPL cannot bind " + name + ": " + type + ": " + outcome.output());
        }
    }

    /**
     * Interprets a paragraph's code in one piece, as Zeppelin does; code the REPL finds incomplete is
     * tried once more with {@code print("")} after it, because a trailing comment makes it so.
     */
    Outcome run(String code) {
        OutputCapture.Captured<Results.Result> first = withClassLoader(() -> capture.during(() -> intp.interpret(code)));
        if (first.value() instanceof Results.Incomplete$) {
            OutputCapture.Captured<Results.Result> retried =
                    withClassLoader(() -> capture.during(() -> intp.interpret(code + "\nprint(\"\")")));
            if (retried.value() instanceof Results.Incomplete$) {
                return new Outcome(false, retried.output() + "Incomplete expression\n");
            }
            return outcome(retried);
        }
        return outcome(first);
    }

    private static Outcome outcome(OutputCapture.Captured<Results.Result> captured) {
        boolean succeeded = captured.value() instanceof Results.Success$
                && !COMPILE_ERROR.matcher(captured.output()).find();
        return new Outcome(succeeded, captured.output());
    }

    @Override
    public void close() {
        intp.close();
    }

    /**
     * What a piece of code did.
     *
     * @param succeeded false on a compile error, an exception or incomplete code
     * @param output    everything printed, the REPL's messages included
     */
    record Outcome(boolean succeeded, String output) {
    }
}
