package io.dptrain.notebook;

import io.dptrain.notebook.ParagraphCode.Interpreter;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Runs a Zeppelin note the way Zeppelin's Spark interpreter group runs it with "Run all": every
 * enabled paragraph in order, {@code %spark} (and paragraphs without a prefix, the default group being
 * spark) in Spark's Scala REPL with {@code spark}, {@code sc}, {@code sqlContext} and {@code z} bound
 * and Zeppelin's imports ({@code spark.implicits._}, {@code spark.sql}, {@code functions._}),
 * {@code %sql} through {@code spark.sql} on the same session shown as a table, {@code %md} left as it
 * is. Returns the note with each run paragraph's output in {@code results} (status FINISHED), ready to
 * open in Zeppelin.
 *
 * <pre>{@code
 * ZeppelinNote executed = new NotebookRunner(new SparkConf().setMaster("local[2]"))
 *         .param("limit", "200")
 *         .run(Path.of("notebooks/engines.zpln"));
 * executed.write(Path.of("engines-executed.zpln"));
 * }</pre>
 *
 * <p>Each run starts its own Spark session and stops it at the end: the REPL's classes reach the
 * executors through {@code spark.repl.class.outputDir}, which Spark reads only when a context starts,
 * and an executor keeps the first class of a name it loaded, so two runs (whose REPLs both number
 * their lines from 1) must not share one context. A JVM that already has a session cannot run notes.
 */
public final class NotebookRunner {
    /** Zeppelin's default {@code zeppelin.spark.maxResult}: rows shown by {@code z.show} and {@code %sql}. */
    public static final int DEFAULT_MAX_RESULT = 1000;
    private static final Logger LOG = LoggerFactory.getLogger(NotebookRunner.class);
    /** Lines of a failing paragraph's output kept in the error: the compile error or the exception and its first frames. */
    private static final int ERROR_LINES = 30;

    private final SparkConf conf;
    private final Map<String, String> params = new LinkedHashMap<>();
    private int maxResult = DEFAULT_MAX_RESULT;

    /**
     * @param conf the Spark configuration of the note's session (master, app name, ...); the runner
     *             adds the REPL's class folder to a copy
     */
    public NotebookRunner(SparkConf conf) {
        this.conf = Objects.requireNonNull(conf, "conf").clone();
    }

    /**
     * A note parameter: {@code z.textbox(name, ...)} and {@code z.select(name, ...)} return {@code value}
     * instead of their default, e.g. a row limit so that tests run a note on a small slice. A parameter
     * no form asks for fails the run, as it is most likely misspelt.
     */
    public NotebookRunner param(String name, String value) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a note parameter needs a name, got '" + name + "'");
        }
        params.put(name, Objects.requireNonNull(value, "value of note parameter " + name));
        return this;
    }

    /**
     * Rows {@code z.show} and {@code %sql} show (default {@value #DEFAULT_MAX_RESULT}, Zeppelin's
     * {@code zeppelin.spark.maxResult}); more rows make bigger notes and slower paragraphs.
     */
    public NotebookRunner maxResult(int rows) {
        if (rows < 1) {
            throw new IllegalArgumentException("maxResult must be at least 1, got " + rows);
        }
        this.maxResult = rows;
        return this;
    }

    /**
     * Runs every paragraph of the note in {@code file}.
     *
     * @return the executed note (write it with {@link ZeppelinNote#write})
     * @throws NotebookException naming the note, the paragraph number and id and the error when a
     *                           paragraph fails; the run stops there
     * @throws IllegalArgumentException when the file is not a Zeppelin note
     */
    public ZeppelinNote run(Path file) {
        ZeppelinNote note = ZeppelinNote.read(file);
        if (SparkSession.getDefaultSession().isDefined()) {
            throw new NotebookException("cannot run note " + note.name() + ": this JVM already has a Spark session, "
                    + "and a note needs one of its own that serves the REPL's classes to the executors");
        }
        Path classes = createClassFolder();
        SparkSession spark = SparkSession.builder()
                .config(conf.clone().set("spark.repl.class.outputDir", classes.toString()))
                .getOrCreate();
        OutputCapture capture = new OutputCapture();
        try (ScalaRepl repl = new ScalaRepl(classes, capture)) {
            ZeppelinContext z = new ZeppelinContext(capture.stream(), maxResult, params);
            repl.bind("spark", SparkSession.class.getName(), spark);
            repl.bind("sc", org.apache.spark.SparkContext.class.getName(), spark.sparkContext());
            repl.bind("sqlContext", org.apache.spark.sql.SQLContext.class.getName(), spark.sqlContext());
            repl.bind("z", ZeppelinContext.class.getName(), z);
            ScalaRepl.Outcome imports = repl.run("import org.apache.spark.SparkContext._\nimport spark.implicits._\n"
                    + "import spark.sql\nimport org.apache.spark.sql.functions._");
            if (!imports.succeeded()) {
                throw new NotebookException("cannot run note " + note.name() + ": the REPL failed on Zeppelin's imports: "
                        + imports.output());
            }
            for (ZeppelinNote.Paragraph paragraph : note.paragraphs()) {
                run(note, paragraph, spark, repl, z, capture);
            }
            Set<String> unused = z.unusedParams();
            if (!unused.isEmpty()) {
                throw new NotebookException("note " + note.name() + " (" + note.source() + ") has no z.textbox or "
                        + "z.select for the parameters " + unused + " it was given");
            }
        } finally {
            spark.stop();
            SparkSession.clearActiveSession();
            SparkSession.clearDefaultSession();
            delete(classes);
        }
        return note;
    }

    private static void run(ZeppelinNote note, ZeppelinNote.Paragraph paragraph, SparkSession spark, ScalaRepl repl,
                            ZeppelinContext z, OutputCapture capture) {
        if (!paragraph.enabled() || paragraph.text().isBlank()) {
            return;
        }
        ParagraphCode code;
        try {
            code = ParagraphCode.parse(paragraph.text(), note.defaultInterpreterGroup());
        } catch (IllegalArgumentException e) {
            throw failure(note, paragraph, e.getMessage());
        }
        if (code.interpreter() == Interpreter.MARKDOWN || code.code().isEmpty()) {
            return;
        }
        long start = System.nanoTime();
        String output;
        if (code.interpreter() == Interpreter.SCALA) {
            ScalaRepl.Outcome outcome = repl.run(code.code());
            if (!outcome.succeeded()) {
                throw failure(note, paragraph, outcome.output());
            }
            output = outcome.output();
        } else {
            String statement = code.code().endsWith(";")
                    ? code.code().substring(0, code.code().length() - 1) : code.code();
            try {
                output = repl.withClassLoader(() -> capture.during(() -> {
                    z.show(spark.sql(statement));
                    return null;
                })).output();
            } catch (RuntimeException e) {
                throw failure(note, paragraph, e.toString());
            }
        }
        paragraph.finish(ResultMessage.parse(output), z.takeFormValues());
        LOG.info("note {}: paragraph {}/{} ({}, {}) finished in {} ms", note.name(), paragraph.number(),
                note.paragraphs().size(), paragraph.id(), code.interpreter(), (System.nanoTime() - start) / 1_000_000);
    }

    private static NotebookException failure(ZeppelinNote note, ZeppelinNote.Paragraph paragraph, String error) {
        List<String> lines = error.strip().lines().toList();
        String shown = lines.size() <= ERROR_LINES ? String.join("\n", lines)
                : String.join("\n", lines.subList(0, ERROR_LINES)) + "\n... (" + (lines.size() - ERROR_LINES)
                + " more lines)";
        return new NotebookException("note " + note.name() + " (" + note.source() + "): paragraph "
                + paragraph.number() + " (id " + paragraph.id() + ") failed:\n" + shown);
    }

    private static Path createClassFolder() {
        try {
            return Files.createTempDirectory("dptrain-repl-classes");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a folder for the REPL's classes under java.io.tmpdir "
                    + System.getProperty("java.io.tmpdir"), e);
        }
    }

    private static void delete(Path folder) {
        try (Stream<Path> files = Files.walk(folder)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(file);
            }
        } catch (IOException e) {
            LOG.warn("cannot delete the REPL's class folder {}: {}", folder, e.toString());
        }
    }
}
